/*
 * Reading untrusted XML
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

#include "xml.h"

#include <cstring>
#include <limits>
#include <mutex>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

namespace p2pg {

namespace {

void set_why(std::string *why, const char *text)
{
    if (why) *why = text;
}

bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* True when text (UTF-8, may be null) is only XML white space. */
bool is_whitespace(const char *text)
{
    for (; text && *text; ++text)
        if (!is_xml_space(*text)) return false;
    return true;
}

/* libxml2 calls this instead of printing; the last error stays in the context. */
#if LIBXML_VERSION >= 21200
void ignore_xml_error(void *, const xmlError *)
#else
void ignore_xml_error(void *, xmlError *)
#endif
{
}

/* SAX internalSubset: called as soon as "<!DOCTYPE name ..." is read, before
 * the internal subset's declarations, so no entity is ever defined. */
void refuse_doctype(void *ctx, const xmlChar *, const xmlChar *, const xmlChar *)
{
    auto *ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    *static_cast<bool *>(ctxt->_private) = true;
    xmlStopParser(ctxt);
}

} // namespace

void XmlDocumentDeleter::operator()(_xmlDoc *doc) const
{
    xmlFreeDoc(doc);
}

XmlDocument read_untrusted_xml(const std::string &text, std::string *why)
{
    static std::once_flag initialised;
    std::call_once(initialised, xmlInitParser);

    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        set_why(why, "XML too large");
        return nullptr;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        set_why(why, "out of memory");
        return nullptr;
    }
    bool saw_doctype = false;
    ctxt->_private = &saw_doctype;
    ctxt->sax->serror = ignore_xml_error;
    ctxt->sax->internalSubset = refuse_doctype;
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;
    XmlDocument doc(xmlCtxtReadMemory(ctxt, text.data(), static_cast<int>(text.size()), nullptr, "UTF-8", options));
    const bool well_formed = ctxt->wellFormed && doc;
    if (saw_doctype) {
        set_why(why, "DOCTYPE refused");
    } else if (!well_formed && why) {
        *why = "malformed XML";
        if (const char *message = ctxt->lastError.message) {
            why->append(": ").append(message);
            while (why->back() == '\n') why->pop_back();
        }
    }
    xmlFreeParserCtxt(ctxt);
    if (!well_formed || saw_doctype) return nullptr;
    return doc;
}

bool xml_is_named(const _xmlNode *node, const char *name)
{
    return !std::strcmp(reinterpret_cast<const char *>(node->name), name);
}

bool xml_properties(_xmlNode *element, std::initializer_list<XmlProperty> wanted)
{
    for (const XmlProperty &property : wanted) property.second->reset();
    for (xmlAttrPtr attr = element->properties; attr; attr = attr->next) {
        if (attr->ns) return false;
        const XmlProperty *match = nullptr;
        for (const XmlProperty &property : wanted)
            if (!std::strcmp(reinterpret_cast<const char *>(attr->name), property.first)) match = &property;
        if (!match) return false;
        std::string value;
        for (xmlNodePtr child = attr->children; child; child = child->next)
            if (child->content) value.append(reinterpret_cast<const char *>(child->content));
        *match->second = std::move(value);
    }
    return true;
}

XmlChildren xml_element_children(_xmlNode *parent, std::vector<_xmlNode *> *elements)
{
    for (xmlNodePtr child = parent->children; child; child = child->next) {
        switch (child->type) {
        case XML_ELEMENT_NODE:
            elements->push_back(child);
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (!is_whitespace(reinterpret_cast<const char *>(child->content))) return XmlChildren::text;
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            return XmlChildren::other_node;
        }
    }
    return XmlChildren::ok;
}

bool xml_simple_content(_xmlNode *element, std::string *text)
{
    text->clear();
    for (xmlNodePtr child = element->children; child; child = child->next) {
        switch (child->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (child->content) text->append(reinterpret_cast<const char *>(child->content));
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            return false;
        }
    }
    return true;
}

} // namespace p2pg
