/*
 * Unit tests: a running engine loop with a transport, for tests that need sockets
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

#ifndef P2PG_TESTS_ENGINE_NODE_H
#define P2PG_TESTS_ENGINE_NODE_H

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <stdlib.h>

#include "engine/graph.h"
#include "engine/loop.h"
#include "engine/transport.h"

namespace p2pg {
namespace testing {

/* A loop on its own thread with a transport, and the environment graphs on
 * it get: databases in a temporary folder, addresses kept to ::1.  Subclasses
 * close their graphs (on the loop) in their own destructors, before this one
 * drops the transport. */
struct EngineNode {
    std::string dir;
    std::unique_ptr<Loop> loop;
    std::thread thread;
    std::unique_ptr<Transport> transport;
    GraphEnvironment env;

    explicit EngineNode(const std::function<void(Transport &)> &configure = nullptr)
    {
        char tmpl[] = "/tmp/p2pg-node-XXXXXX";
        dir = mkdtemp(tmpl);
        std::string error;
        loop = Loop::create(&error);
        thread = std::thread([this] { loop->run(); });
        loop->call([&] {
            transport = std::make_unique<Transport>(*loop);
            if (configure) configure(*transport);
        });
        env.loop = loop.get();
        env.transport = transport.get();
        env.data_directory = dir;
        env.addresses.configured = {"::1"};
    }
    virtual ~EngineNode()
    {
        loop->call([this] { transport.reset(); });
        loop->stop();
        thread.join();
        std::string cmd = "rm -rf '" + dir + "'";
        if (std::system(cmd.c_str()) != 0) {
        }
    }
    EngineNode(const EngineNode &) = delete;
    EngineNode &operator=(const EngineNode &) = delete;
};

} // namespace testing
} // namespace p2pg

#endif
