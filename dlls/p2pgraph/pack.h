/*
 * Peer-to-Peer Graphing: results packed into one block for PeerGraphFreeData
 *
 * Copyright 2026 the p2pgraph-wine authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
 */

#ifndef __WINE_P2PGRAPH_PACK_H
#define __WINE_P2PGRAPH_PACK_H

#include <memory>
#include <string>
#include <vector>

#include "p2pgraph_private.h"

/* Lays out a structure and everything it points to in one block.  The same
 * code runs twice: first with no memory to measure, then to write. */
class Packer {
public:
    explicit Packer(unsigned char *base) : base_(base) {}
    /* n bytes aligned to align; nullptr while measuring. */
    void *reserve(std::size_t n, std::size_t align);
    /* A NUL-terminated UTF-16 copy, or nullptr for an empty optional one. */
    WCHAR *string(const std::string &utf8, bool null_if_empty);
    /* A copy of bytes (nullptr when there are none). */
    BYTE *bytes(const std::vector<std::uint8_t> &data);
    BYTE *bytes(const std::uint8_t *data, std::size_t size);
    std::size_t size() const { return at_; }
    bool writing() const { return base_ != nullptr; }

private:
    unsigned char *base_;
    std::size_t at_ = 0;
};

/* Measures, allocates from the result blocks and writes; nullptr when out
 * of memory.  keep: what the block points into, held until it is freed. */
template <class Fill>
void *pack_result(Fill fill, std::shared_ptr<const void> keep = nullptr)
{
    Packer measure(nullptr);
    fill(measure);
    void *block = p2pg::api::result_allocate(measure.size(), std::move(keep));
    if (!block) return nullptr;
    Packer write(static_cast<unsigned char *>(block));
    fill(write);
    return block;
}

void pack_record(Packer &packer, const p2pg::Record &record);
void pack_properties(Packer &packer, const p2pg::GraphProperties &properties);
/* INCOMING_DATA's payload stays in the received message unless another
 * registration has the event too: the block must then hold event.data
 * (event_keeps_data). */
void pack_event(Packer &packer, const p2pg::GraphEvent &event);
bool event_keeps_data(const p2pg::GraphEvent &event);
void pack_connection_info(Packer &packer, const p2pg::ConnectionInfo &info);
void pack_node_info(Packer &packer, const p2pg::NodeInfo &node);

/* One PeerGraphGetNextItem result: an array of item pointers followed by
 * the items (PEER_RECORD, PEER_CONNECTION_INFO or PEER_NODE_INFO), each
 * aligned for any structure, in one block so that one PeerGraphFreeData
 * releases everything.  nullptr when out of memory. */
void **pack_items(const std::vector<std::shared_ptr<const p2pg::EnumItem>> &items);

#endif
