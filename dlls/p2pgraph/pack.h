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

#include <string>
#include <vector>

#include "engine/enumeration.h"
#include "engine/events.h"
#include "engine/graph.h"
#include "engine/graph_info.h"
#include "engine/record.h"
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
 * of memory. */
template <class Fill>
void *pack_result(Fill fill)
{
    Packer measure(nullptr);
    fill(measure);
    void *block = result_blocks().allocate(measure.size());
    if (!block) return nullptr;
    Packer write(static_cast<unsigned char *>(block));
    fill(write);
    return block;
}

void pack_record(Packer &packer, const p2pg::Record &record);
void pack_properties(Packer &packer, const p2pg::GraphProperties &properties);
void pack_event(Packer &packer, const p2pg::GraphEvent &event);
void pack_connection_info(Packer &packer, const p2pg::ConnectionInfo &info);
void pack_node_info(Packer &packer, const p2pg::Graph::NodeInfo &node);

/* An engine value as an enumeration item, packed by Pack: records
 * (PEER_RECORD *), connections (PEER_CONNECTION_INFO *), nodes
 * (PEER_NODE_INFO *). */
template <class T, void (*Pack)(Packer &, const T &)>
class PackedItem : public p2pg::EnumItem {
public:
    explicit PackedItem(T value) : value_(std::move(value)) {}
    std::size_t packed_size() const override
    {
        Packer measure(nullptr);
        Pack(measure, value_);
        return measure.size();
    }
    void *pack(unsigned char *dst) const override
    {
        Packer write(dst);
        Pack(write, value_);
        return dst;
    }

private:
    T value_;
};

using RecordItem = PackedItem<p2pg::Record, pack_record>;
using ConnectionItem = PackedItem<p2pg::ConnectionInfo, pack_connection_info>;
using NodeItem = PackedItem<p2pg::Graph::NodeInfo, pack_node_info>;

/* Makes an enumeration handle (HPEERENUM) of the items. */
template <class Item, class Values>
HRESULT new_enumeration(Values &values, HPEERENUM *out)
{
    return guarded([&] {
        std::vector<std::shared_ptr<const p2pg::EnumItem>> items;
        items.reserve(values.size());
        for (auto &v : values) items.push_back(std::make_shared<Item>(std::move(v)));
        ApiCall call;
        if (!call.initialized()) return PEER_E_NOT_INITIALIZED;
        *out = reinterpret_cast<HPEERENUM>(
            call.handles().insert(std::make_shared<p2pg::Enumeration>(std::move(items))));
        return S_OK;
    });
}

#endif
