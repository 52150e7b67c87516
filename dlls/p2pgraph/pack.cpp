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

#include <cstring>
#include <limits>

#include "convert.h"
#include "pack.h"

void *Packer::reserve(std::size_t n, std::size_t align)
{
    at_ = (at_ + align - 1) & ~(align - 1);
    void *p = base_ ? base_ + at_ : nullptr;
    at_ += n;
    return p;
}

WCHAR *Packer::string(const std::string &utf8, bool null_if_empty)
{
    if (utf8.empty() && null_if_empty) return nullptr;
    std::size_t chars = wide_length(utf8) + 1;
    WCHAR *dst = static_cast<WCHAR *>(reserve(chars * sizeof(WCHAR), alignof(WCHAR)));
    if (dst) wide_from_utf8(utf8, dst);
    return dst;
}

BYTE *Packer::bytes(const std::vector<std::uint8_t> &data)
{
    return bytes(data.data(), data.size());
}

BYTE *Packer::bytes(const std::uint8_t *data, std::size_t size)
{
    if (!size) return nullptr;
    BYTE *dst = static_cast<BYTE *>(reserve(size, 1));
    if (dst) memcpy(dst, data, size);
    return dst;
}

void pack_record(Packer &packer, const p2pg::Record &record)
{
    PEER_RECORD *r = static_cast<PEER_RECORD *>(packer.reserve(sizeof(PEER_RECORD), alignof(PEER_RECORD)));
    WCHAR *creator = packer.string(record.creator_id, false);
    /* A record nobody updated reports its creator as the last modifier. */
    WCHAR *modified_by = packer.string(record.modified_by_id.empty() ? record.creator_id : record.modified_by_id, false);
    WCHAR *attributes = packer.string(record.attributes, true);
    BYTE *security = packer.bytes(record.security_data);
    BYTE *data = packer.bytes(record.data);
    if (!packer.writing()) return;
    r->dwSize = sizeof(*r);
    r->type = guid_to_win32(record.type);
    r->id = guid_to_win32(record.id);
    r->dwVersion = record.version;
    r->dwFlags = record.flags;
    r->pwzCreatorId = creator;
    r->pwzModifiedById = modified_by;
    r->pwzAttributes = attributes;
    r->ftCreation = filetime_to_win32(record.creation_time);
    r->ftExpiration = filetime_to_win32(record.expiration_time);
    r->ftLastModified = filetime_to_win32(record.modification_time);
    r->securityData.cbData = static_cast<ULONG>(record.security_data.size());
    r->securityData.pbData = security;
    r->data.cbData = static_cast<ULONG>(record.data.size());
    r->data.pbData = data;
}

void pack_properties(Packer &packer, const p2pg::GraphProperties &p)
{
    PEER_GRAPH_PROPERTIES *out = static_cast<PEER_GRAPH_PROPERTIES *>(
        packer.reserve(sizeof(PEER_GRAPH_PROPERTIES), alignof(PEER_GRAPH_PROPERTIES)));
    WCHAR *graph_id = packer.string(p.graph_id, false);
    WCHAR *creator_id = packer.string(p.creator_id, false);
    WCHAR *friendly_name = packer.string(p.friendly_name, true);
    WCHAR *comment = packer.string(p.comment, true);
    if (!packer.writing()) return;
    out->dwSize = sizeof(*out);
    out->dwFlags = p.flags;
    out->dwScope = p.scope;
    out->dwMaxRecordSize = p.max_record_size;
    out->pwzGraphId = graph_id;
    out->pwzCreatorId = creator_id;
    out->pwzFriendlyName = friendly_name;
    out->pwzComment = comment;
    out->ulPresenceLifetime = p.presence_lifetime;
    out->cPresenceMax = p.presence_max;
}

static HRESULT connection_failure_hresult(p2pg::ConnectionFailure failure)
{
    switch (failure) {
    case p2pg::ConnectionFailure::refused: return PEER_E_CONNECTION_REFUSED;
    case p2pg::ConnectionFailure::failed: return PEER_E_CONNECTION_FAILED;
    case p2pg::ConnectionFailure::not_authenticated: return PEER_E_CONNECTION_NOT_AUTHENTICATED;
    case p2pg::ConnectionFailure::none: break;
    }
    return S_OK;
}

bool event_keeps_data(const p2pg::GraphEvent &event)
{
    return event.type == p2pg::EventType::incoming_data && event.data_size() && !event.data_shared;
}

void pack_event(Packer &packer, const p2pg::GraphEvent &event)
{
    PEER_GRAPH_EVENT_DATA *out = static_cast<PEER_GRAPH_EVENT_DATA *>(
        packer.reserve(sizeof(PEER_GRAPH_EVENT_DATA), alignof(PEER_GRAPH_EVENT_DATA)));
    /* The payload is read where it arrived, with no copy, unless the
     * application has it twice (see data_shared). */
    BYTE *payload = nullptr;
    if (event_keeps_data(event))
        payload = const_cast<BYTE *>(event.data->data() + event.data_offset);
    else if (event.type == p2pg::EventType::incoming_data && event.data_size())
        payload = packer.bytes(event.data->data() + event.data_offset, event.data_size());
    WCHAR *peer_id = event.type == p2pg::EventType::node_changed ? packer.string(event.peer_id, false) : nullptr;
    if (!packer.writing()) return;
    if (event.type == p2pg::EventType::incoming_data) {
        out->eventType = PEER_GRAPH_EVENT_INCOMING_DATA;
        out->incomingData.dwSize = sizeof(out->incomingData);
        out->incomingData.ullConnectionId = event.connection_id;
        out->incomingData.type = guid_to_win32(event.data_type);
        out->incomingData.data.cbData = static_cast<ULONG>(event.data_size());
        out->incomingData.data.pbData = payload;
        return;
    }
    out->eventType = static_cast<PEER_GRAPH_EVENT_TYPE>(event.type);
    switch (event.type) {
    case p2pg::EventType::status_changed:
        out->dwStatus = static_cast<PEER_GRAPH_STATUS_FLAGS>(event.status);
        break;
    case p2pg::EventType::record_changed:
        out->recordChangeData.dwSize = sizeof(out->recordChangeData);
        out->recordChangeData.changeType = static_cast<PEER_RECORD_CHANGE_TYPE>(event.change);
        out->recordChangeData.recordId = guid_to_win32(event.record_id);
        out->recordChangeData.recordType = guid_to_win32(event.record_type);
        break;
    case p2pg::EventType::synchronized:
        out->synchronizedData.dwSize = sizeof(out->synchronizedData);
        out->synchronizedData.recordType = guid_to_win32(event.record_type);
        break;
    case p2pg::EventType::direct_connection:
    case p2pg::EventType::neighbor_connection: {
        PEER_EVENT_CONNECTION_CHANGE_DATA *c = &out->connectionChangeData;
        c->dwSize = sizeof(*c);
        c->status = static_cast<PEER_CONNECTION_STATUS>(event.connection_status);
        c->ullConnectionId = event.connection_id;
        c->ullNodeId = event.node_id;
        c->ullNextConnectionId = event.next_connection_id;
        c->hrConnectionFailedReason = connection_failure_hresult(event.failure);
        break;
    }
    case p2pg::EventType::node_changed:
        out->nodeChangeData.dwSize = sizeof(out->nodeChangeData);
        out->nodeChangeData.changeType = static_cast<PEER_NODE_CHANGE_TYPE>(event.node_change);
        out->nodeChangeData.ullNodeId = event.node_id;
        out->nodeChangeData.pwzPeerId = peer_id;
        break;
    default:
        break;
    }
}


void pack_connection_info(Packer &packer, const p2pg::ConnectionInfo &info)
{
    PEER_CONNECTION_INFO *out = static_cast<PEER_CONNECTION_INFO *>(
        packer.reserve(sizeof(PEER_CONNECTION_INFO), alignof(PEER_CONNECTION_INFO)));
    WCHAR *peer_id = packer.string(info.peer_id, false);
    if (!packer.writing()) return;
    out->dwSize = sizeof(*out);
    out->dwFlags = info.flags;
    out->ullConnectionId = info.connection_id;
    out->ullNodeId = info.node_id;
    out->pwzPeerId = peer_id;
    out->address.dwSize = sizeof(out->address);
    /* Same 28-byte layout, but Windows numbers AF_INET6 23 where Linux says 10. */
    memcpy(&out->address.sin6, info.address.data(), sizeof(out->address.sin6));
    out->address.sin6.sin6_family = WS_AF_INET6;
}


void pack_node_info(Packer &packer, const p2pg::NodeInfo &node)
{
    PEER_NODE_INFO *out = static_cast<PEER_NODE_INFO *>(packer.reserve(sizeof(PEER_NODE_INFO), alignof(PEER_NODE_INFO)));
    WCHAR *peer = packer.string(node.peer_id, false);
    PEER_ADDRESS *list = node.addresses.empty() ? nullptr : static_cast<PEER_ADDRESS *>(
        packer.reserve(node.addresses.size() * sizeof(PEER_ADDRESS), alignof(PEER_ADDRESS)));
    WCHAR *attrs = packer.string(node.attributes, true);
    if (!packer.writing()) return;
    out->dwSize = sizeof(*out);
    out->ullNodeId = node.node_id;
    out->pwzPeerId = peer;
    out->cAddresses = static_cast<ULONG>(node.addresses.size());
    out->pAddresses = list;
    for (std::size_t i = 0; i < node.addresses.size(); ++i) peer_address_from_sockaddr(node.addresses[i], &list[i]);
    out->pwzAttributes = attrs;
}

namespace {

constexpr std::size_t kItemAlign = 16;

std::size_t align_item(std::size_t n)
{
    return (n + kItemAlign - 1) & ~(kItemAlign - 1);
}

void *pack_item(Packer &packer, const p2pg::EnumItem &item)
{
    void *at = packer.reserve(0, kItemAlign);
    if (auto *record = std::get_if<p2pg::Record>(&item)) pack_record(packer, *record);
    else if (auto *connection = std::get_if<p2pg::ConnectionInfo>(&item)) pack_connection_info(packer, *connection);
    else pack_node_info(packer, std::get<p2pg::NodeInfo>(item));
    return at;
}

} // namespace

void **pack_items(const std::vector<std::shared_ptr<const p2pg::EnumItem>> &items)
{
    /* Measured item by item, so that a total past what any allocation could
     * give is refused before it wraps around. */
    const std::size_t limit = std::numeric_limits<std::size_t>::max() / 2;
    std::size_t total = align_item(items.size() * sizeof(void *));
    for (const auto &item : items) {
        Packer measure(nullptr);
        pack_item(measure, *item);
        if (measure.size() > limit || total > limit - align_item(measure.size())) return nullptr;
        total += align_item(measure.size());
    }
    unsigned char *block = static_cast<unsigned char *>(p2pg::api::result_allocate(total));
    if (!block) return nullptr;
    void **array = reinterpret_cast<void **>(block);
    std::size_t at = align_item(items.size() * sizeof(void *));
    for (std::size_t i = 0; i < items.size(); ++i) {
        Packer write(block + at);
        array[i] = pack_item(write, *items[i]);
        at += align_item(write.size());
    }
    return array;
}
