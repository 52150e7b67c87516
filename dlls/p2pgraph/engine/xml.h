/*
 * Reading untrusted XML: the libxml2 helpers of the engine's XML formats
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

#ifndef P2PG_ENGINE_XML_H
#define P2PG_ENGINE_XML_H

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

/* libxml2's document and node; only the engine's .cpp files include libxml2. */
struct _xmlDoc;
struct _xmlNode;

namespace p2pg {

/* Reading XML that an application or a peer wrote, shared by the engine's
 * two XML formats (record attributes, search queries): libxml2 initialised
 * once, no output on stderr, no network, no DTD (a DOCTYPE stops the parse
 * before any declaration in it is read), no entity substitution beyond the
 * five predefined ones, the text taken as UTF-8 whatever its declaration
 * says.  Returns null with *why (if not null) set when the text is not a
 * well-formed document. */
struct XmlDocumentDeleter {
    void operator()(_xmlDoc *doc) const;
};
using XmlDocument = std::unique_ptr<_xmlDoc, XmlDocumentDeleter>;
XmlDocument read_untrusted_xml(const std::string &text, std::string *why);

/* True when the node's (local) name is name: namespace prefixes are not
 * part of a libxml2 node name, so declarations never change a match. */
bool xml_is_named(const _xmlNode *node, const char *name);

/* The XML attributes (properties) of an element where a format allows a
 * fixed set: each wanted name's value goes to its optional, left empty when
 * the element does not have it.  False when the element has an XML
 * attribute not wanted or one in a namespace. */
using XmlProperty = std::pair<const char *, std::optional<std::string> *>;
bool xml_properties(_xmlNode *element, std::initializer_list<XmlProperty> wanted);

/* The element children of parent, in order, where a format allows only
 * elements between them: white-space text, comments and PIs are skipped;
 * other text or any other node makes the result not ok. */
enum class XmlChildren { ok, text, other_node };
XmlChildren xml_element_children(_xmlNode *parent, std::vector<_xmlNode *> *elements);

/* The simple content of an element (its text and CDATA, comments and PIs
 * skipped); false when it has child elements or anything else. */
bool xml_simple_content(_xmlNode *element, std::string *text);

} // namespace p2pg

#endif
