#!/bin/sh
# Generates ./configure from configure.ac (needs autoconf, automake's aclocal
# and pkg-config's pkg.m4: the Debian packages autoconf, automake, pkg-config).
set -e
cd "$(dirname "$0")"
aclocal
autoconf
rm -rf autom4te.cache
