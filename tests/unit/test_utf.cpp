/*
 * Unit tests: UTF-8 lengths in UTF-16 units and the ASCII run they start with
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

#include <string>

#include "cmocka_cxx.h"
#include "engine/utf.h"

namespace {

/* The ASCII run ends at the first byte with the high bit set, wherever it
 * falls in the string (inside or after the eight-byte words, at either end
 * of one), and is the whole string when there is none. */
void test_ascii_prefix_ends_at_first_non_ascii(void **)
{
    for (std::size_t size = 0; size <= 40; ++size) {
        std::string s(size, 'a');
        for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('!' + i % 90);
        assert_int_equal(p2pg::ascii_prefix(s), size);
        for (std::size_t at = 0; at < size; ++at) {
            for (unsigned char high : {0x80, 0xc3, 0xff}) {
                std::string t = s;
                t[at] = static_cast<char>(high);
                assert_int_equal(p2pg::ascii_prefix(t), at);
            }
        }
    }
}

/* Lengths in UTF-16 units: ASCII, two- and three-byte characters, a
 * character outside the BMP (two units), and malformed UTF-8 after an ASCII
 * run of more than a word. */
void test_utf16_length(void **)
{
    assert_int_equal(p2pg::utf16_length(""), 0);
    assert_int_equal(p2pg::utf16_length("<attributes></attributes>"), 25);
    assert_int_equal(p2pg::utf16_length("abcdefghij\xc3\xa9"), 11);                 /* é */
    assert_int_equal(p2pg::utf16_length("abcdefghij\xe2\x82\xac" "abc"), 14);        /* € */
    assert_int_equal(p2pg::utf16_length("abcdefghij\xf0\x9f\x98\x80"), 12);          /* U+1F600 */
    assert_int_equal(p2pg::utf16_length("abcdefghijklmnop\xc3"), std::string::npos); /* cut short */
    assert_int_equal(p2pg::utf16_length("abcdefghijklmnop\x80xyz"), std::string::npos);
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_prefix_ends_at_first_non_ascii),
        cmocka_unit_test(test_utf16_length),
    };
    return cmocka_run_group_tests_name("utf", tests, nullptr, nullptr);
}
