/*
 * Unit tests: many engine graphs in one process forming a neighbor mesh over ::1
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

/* Twenty and more nodes join one graph in different shapes (chain, star of
 * stars, random trees, meshes with cycles) and every node must end up with
 * the same records: same ids, versions, modifiers, flags, times and data.
 * The fixture (mesh_fixture.h) spreads the graphs over a few loops, as
 * several graphs of one process are.  Every wait is bounded. */

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

/* The fixture includes the engine headers before cmocka.h, whose skip()
 * macro would rename ByteReader::skip. */
#include "mesh_fixture.h"
#include "cmocka_cxx.h"

using namespace p2pg;
using namespace p2pg::testing;

namespace {

/* A chain of 24: node i joins node i-1.  Records are added on the creator
 * before anyone joins and on each node right after it joined (the later
 * ones get them by synchronization), and afterwards at both ends and in the
 * middle (flooding over 23 hops).  Updates and deletes go the whole way. */
void test_chain(void **)
{
    Mesh mesh("mesh-chain");
    const int n = 24;
    mesh.create_root();
    std::vector<Guid> ids;
    for (int k = 0; k < 3; ++k) ids.push_back(mesh.add(0, "root-" + std::to_string(k)));
    for (int i = 1; i < n; ++i) {
        mesh.add_member();
        mesh.join(i, i - 1);
        ids.push_back(mesh.add(i, "joined-" + std::to_string(i)));
    }
    assert_true(mesh.wait_degrees());
    assert_true(mesh.converged(ids.size()));

    for (int i : {0, n / 2, n - 1}) ids.push_back(mesh.add(i, "later-" + std::to_string(i)));
    assert_true(mesh.converged(ids.size()));

    /* The tail changes the creator's record, the creator one near the tail. */
    mesh.update(n - 1, ids[0], "changed by the tail");
    mesh.update(0, ids[n], "changed by the root");
    mesh.remove(n / 2, ids[5]);
    mesh.remove(0, ids[n + 1]);
    assert_true(mesh.converged(ids.size() - 2));
    for (int i : {0, n / 2, n - 1}) {
        GraphError err;
        Record r = mesh.record_on(i, ids[0], &err);
        assert_int_equal(err, GraphError::ok);
        assert_int_equal(r.version, 2);
        assert_string_equal(r.modified_by_id.c_str(), mesh[n - 1].peer_id.c_str());
        assert_true(std::string(r.data.begin(), r.data.end()) == "changed by the tail");
        mesh.record_on(i, ids[5], &err);
        assert_int_equal(err, GraphError::record_not_found);
        mesh.record_on(i, ids[n + 1], &err);
        assert_int_equal(err, GraphError::record_not_found);
        r = mesh.record_on(i, ids[n], &err);
        assert_int_equal(err, GraphError::ok);
        assert_string_equal(r.modified_by_id.c_str(), mesh[0].peer_id.c_str());
        assert_true(std::string(r.data.begin(), r.data.end()) == "changed by the root");
    }
}

/* A star of stars: seven nodes join the creator at once, which then has
 * no room left (an eighth is refused BUSY and joins a leaf instead), and
 * two nodes join each of the seven.  Records come from the leaves, all at
 * the same time. */
void test_star_of_stars(void **)
{
    Mesh mesh("mesh-star");
    mesh.create_root();
    std::vector<Guid> ids;
    ids.push_back(mesh.add(0, "hub"));
    std::vector<int> spokes;
    for (std::size_t k = 0; k < kMaxNeighbors; ++k) spokes.push_back(mesh.add_member());
    for (int s : spokes) mesh.connect(s, 0);
    assert_true(mesh.wait_joined(spokes));

    /* The hub is full: PeerGraphConnect to it ends in REFUSE BUSY. */
    int late = mesh.add_member();
    {
        auto events = std::make_shared<EventRegistration>(
            std::vector<EventFilter>{{EventType::neighbor_connection, std::nullopt}}, nullptr);
        std::uint64_t id = 0;
        GraphError err = GraphError::io_error;
        sockaddr_in6 hub = mesh[0].address;
        mesh.on(late, [&](Graph &g) {
            g.add_registration(events);
            err = g.connect("", hub, &id);
        });
        assert_int_equal(err, GraphError::ok);
        std::optional<GraphEvent> e;
        auto deadline = Clock_::now() + kJoinTimeout;
        while (!e && Clock_::now() < deadline) {
            e = events->pop();
            if (!e) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        assert_true(e.has_value());
        assert_int_equal(e->connection_status, ConnectionStatus::failed);
        assert_int_equal(e->failure, ConnectionFailure::refused);
        assert_int_equal(e->connection_id, id);
        mesh.on(late, [&](Graph &g) { g.remove_registration(events.get()); });
        if (e->next_connection_id) {
            /* The node went on to an address the REFUSE referred it to
             * (one of the hub's neighbors). */
            assert_true(mesh.wait_joined({late}));
            mesh.adopt_neighbors(late);
            /* (Graph maintenance may have added a second neighbor.) */
            assert_true(mesh[late].neighbors.size() >= 1);
            assert_int_equal(mesh[late].neighbors.count(0), 0);
        } else {
            mesh.join(late, spokes[0]);
        }
    }

    std::vector<int> leaves;
    for (int s : spokes)
        for (int k = 0; k < 2; ++k) {
            int leaf = mesh.add_member();
            mesh.connect(leaf, s);
            leaves.push_back(leaf);
        }
    assert_true(mesh.wait_joined(leaves));
    assert_true(mesh.size() >= 22);
    assert_true(mesh.wait_degrees());
    std::size_t hub_neighbors = 0;
    mesh.on(0, [&](Graph &g) { hub_neighbors = g.neighbor_count(); });
    assert_int_equal(hub_neighbors, kMaxNeighbors);

    for (int leaf : leaves) ids.push_back(mesh.add(leaf, "leaf-" + std::to_string(leaf)));
    ids.push_back(mesh.add(late, "late"));
    assert_true(mesh.converged(ids.size()));

    /* A record from one side of the hub changed on the other side. */
    mesh.update(leaves.back(), ids[1], "across the hub");
    mesh.remove(leaves[0], ids.back());
    assert_true(mesh.converged(ids.size() - 1));
}

/* A random tree of 30 built in waves of simultaneous joins, while records
 * are added between the connects on random nodes that accept AddRecord
 * (some still synchronizing the rest of the records): a record may reach a
 * node, or start from one, while it is synchronizing. */
void test_random_tree_while_joining(void **)
{
    Mesh mesh("mesh-tree");
    std::mt19937 rng(seed());
    mesh.create_root();
    std::vector<Guid> ids;
    for (int k = 0; k < 4; ++k) ids.push_back(mesh.add(0, "before-" + std::to_string(k)));
    int counter = 0;
    auto add_somewhere = [&] {
        /* A node accepts AddRecord once it has the Graph Info record. */
        std::vector<int> choices;
        for (std::size_t i = 0; i < mesh.size(); ++i) {
            bool r = false;
            if (mesh[i].open) mesh.on(i, [&](Graph &g) { r = g.ready(); });
            if (r) choices.push_back(i);
        }
        int at = choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(rng)];
        ids.push_back(mesh.add(at, "during-" + std::to_string(counter++)));
    };
    mesh.random_tree(30, rng, add_somewhere);
    assert_true(mesh.wait_degrees());
    std::uniform_int_distribution<int> node(0, 29);
    for (int k = 0; k < 10; ++k) ids.push_back(mesh.add(node(rng), "after-" + std::to_string(k)));
    assert_true(mesh.converged(ids.size()));
}

/* A random mesh of 25 (a tree plus links that close cycles): floods meet
 * themselves.  Many updates from random nodes without waiting (several of
 * the same record race each other), then deletes. */
void test_mesh_updates_and_deletes(void **)
{
    Mesh mesh("mesh-cycles");
    std::mt19937 rng(seed() + 1);
    mesh.create_root();
    mesh.random_tree(25, rng);
    mesh.add_cycles(12, rng);
    std::uniform_int_distribution<int> node(0, 24);
    std::vector<Guid> ids;
    for (int k = 0; k < 40; ++k) ids.push_back(mesh.add(node(rng), "record-" + std::to_string(k)));
    assert_true(mesh.converged(ids.size()));

    /* Records 0..19 are updated (two or three times, from anywhere),
     * records 20..29 deleted, the rest left alone. */
    std::uniform_int_distribution<int> updated(0, 19);
    for (int k = 0; k < 50; ++k) {
        int at = node(rng);
        mesh.update(at, ids[updated(rng)], "update-" + std::to_string(k) + "-by-" + std::to_string(at));
    }
    for (int k = 20; k < 30; ++k) mesh.remove(node(rng), ids[k]);
    assert_true(mesh.converged(ids.size() - 10));
    for (int k = 0; k < 20; ++k) {
        GraphError err;
        Record r = mesh.record_on(0, ids[k], &err);
        assert_int_equal(err, GraphError::ok);
        assert_true(r.version >= 1);
    }
}

/* Two (or three) nodes change the same record at the same time, before
 * either hears of the other's change; afterwards every node holds the same
 * winner, the one MS-PPGRH 3.1.7.32 picks. */
void test_concurrent_conflicts(void **)
{
    Mesh mesh("mesh-conflict");
    std::mt19937 rng(seed() + 2);
    mesh.create_root();
    mesh.random_tree(24, rng);
    mesh.add_cycles(8, rng);
    std::vector<Guid> ids;
    for (int k = 0; k < 6; ++k) ids.push_back(mesh.add(k * 4, "original-" + std::to_string(k)));
    assert_true(mesh.converged(ids.size()));

    /* low and high run on the same loop, so one call makes both changes
     * before either node can see the other's.  high has the greater peer
     * id (peer-NNN). */
    int low = 3, high = 21;
    assert_true(low % kLanes == high % kLanes);
    assert_true(mesh[low].peer_id < mesh[high].peer_id);
    Record r0_low = mesh.change_of(ids[0], "r0 by low"), r0_high = mesh.change_of(ids[0], "r0 by high");
    Record r1_low = mesh.change_of(ids[1], "r1 by low once"), r1_low2 = mesh.change_of(ids[1], "r1 by low twice");
    Record r1_high = mesh.change_of(ids[1], "r1 by high");
    Record r2_low = mesh.change_of(ids[2], "r2 by low");
    Record r3_high = mesh.change_of(ids[3], "r3 by high");
    r1_low2.expiration_time += kTicksPerSecond;
    GraphError errs[9];
    std::fill(std::begin(errs), std::end(errs), GraphError::io_error);
    mesh[low].lane->loop->call([&] {
        Graph &gl = *mesh[low].graph, &gh = *mesh[high].graph;
        /* Same version: the greater Last Modified By wins (rule 3). */
        errs[0] = gl.update_record(r0_low);
        errs[1] = gh.update_record(r0_high);
        /* The higher version wins whoever made it (rule 1). */
        errs[2] = gl.update_record(r1_low);
        errs[3] = gl.update_record(r1_low2);
        errs[4] = gh.update_record(r1_high);
        /* A delete is an update too: the greater modifier's delete wins... */
        errs[5] = gl.update_record(r2_low);
        errs[6] = gh.delete_record(ids[2], false);
        /* ...and so does the greater modifier's update over a delete. */
        errs[7] = gl.delete_record(ids[3], false);
        errs[8] = gh.update_record(r3_high);
    });
    for (GraphError e : errs) assert_int_equal(e, GraphError::ok);

    /* Three loops at once: nodes on different threads change record 4
     * concurrently.  Whoever wins, everybody must agree. */
    struct Shared {
        std::atomic<int> pending{3};
        GraphError result[3] = {GraphError::io_error, GraphError::io_error, GraphError::io_error};
    };
    auto shared = std::make_shared<Shared>();
    const int writers[3] = {7, 11, 15}; /* one per lane */
    /* One expiration for all three: whichever change arrives first, the
     * others do not shorten the record's life (which update refuses). */
    const FileTime expiration = mesh.change_of(ids[4], "").expiration_time;
    for (int k = 0; k < 3; ++k) {
        Record change = mesh.change_of(ids[4], "r4 by lane " + std::to_string(k));
        change.expiration_time = expiration;
        Member *m = &mesh[writers[k]];
        m->lane->loop->post([m, k, change, shared] {
            shared->result[k] = m->graph->update_record(change);
            --shared->pending;
        });
    }
    auto deadline = Clock_::now() + std::chrono::seconds(5);
    while (shared->pending && Clock_::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    assert_int_equal(shared->pending.load(), 0);
    for (GraphError e : shared->result) assert_int_equal(e, GraphError::ok);

    /* Only r2 is gone in the end. */
    assert_true(mesh.converged(ids.size() - 1));
    for (std::size_t i = 0; i < mesh.size(); ++i) {
        GraphError err;
        Record r = mesh.record_on(i, ids[0], &err);
        assert_int_equal(err, GraphError::ok);
        assert_int_equal(r.version, 2);
        assert_string_equal(r.modified_by_id.c_str(), mesh[high].peer_id.c_str());
        assert_true(r.data == r0_high.data);
        r = mesh.record_on(i, ids[1], &err);
        assert_int_equal(err, GraphError::ok);
        assert_int_equal(r.version, 3);
        assert_string_equal(r.modified_by_id.c_str(), mesh[low].peer_id.c_str());
        assert_true(r.data == r1_low2.data);
        mesh.record_on(i, ids[2], &err);
        assert_int_equal(err, GraphError::record_not_found);
        r = mesh.record_on(i, ids[3], &err);
        assert_int_equal(err, GraphError::ok);
        assert_int_equal(r.version, 2);
        assert_true(r.data == r3_high.data);
        /* 2 if the three changes crossed, up to 4 if they came in turn. */
        r = mesh.record_on(i, ids[4], &err);
        assert_int_equal(err, GraphError::ok);
        assert_true(r.version >= 2 && r.version <= 4);
    }
}

/* Two leaves close their graphs (one right after adding a record), the
 * others change things meanwhile (new records, updates, a delete, an
 * update of a leaf's own record), and the leaves open the graph again from
 * their databases and reconnect: one to its old neighbor, one elsewhere.
 * Time-based synchronization brings them up to date, and their own
 * changes flow again. */
void test_reopen_catches_up(void **)
{
    Mesh mesh("mesh-reopen");
    std::mt19937 rng(seed() + 3);
    mesh.create_root();
    std::vector<int> parent = mesh.random_tree(22, rng);
    std::vector<Guid> ids;
    std::uniform_int_distribution<int> node(0, 21);
    for (int k = 0; k < 20; ++k) ids.push_back(mesh.add(node(rng), "first-" + std::to_string(k)));

    /* Leaves: nodes nobody joined. */
    std::vector<int> leaves;
    for (int i = 21; i > 0 && leaves.size() < 2; --i)
        if (mesh[i].neighbors.size() == 1) leaves.push_back(i);
    assert_int_equal(leaves.size(), 2);
    Guid own = mesh.add(leaves[0], "leaf's own");
    ids.push_back(own);
    assert_true(mesh.converged(ids.size()));

    /* The second leaf adds a record and closes at once: the FLOOD queued
     * before DISCONNECT still gets out. */
    GraphError err = GraphError::io_error;
    Guid last_word;
    Record word = mesh.note("last word");
    mesh.on(leaves[1], [&](Graph &g) {
        err = g.add_record(word, &last_word);
        g.close();
    });
    assert_int_equal(err, GraphError::ok);
    ids.push_back(last_word);
    const std::size_t at_close = ids.size();
    int old_parent_1 = *mesh[leaves[1]].neighbors.begin();
    mesh.closed(leaves[1]);
    assert_true(mesh.converged(ids.size()));
    std::string before = mesh.digest(leaves[0]);
    int old_parent_0 = parent[leaves[0]];
    mesh.close(leaves[0]);
    assert_true(mesh.wait_degrees());
    /* Peer times of the nodes differ by the error of their adjustments:
     * changes made "while away" must be later than that. */
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

    /* Changes while they are away. */
    std::set<int> away(leaves.begin(), leaves.end());
    auto present = [&] {
        int i;
        do i = node(rng);
        while (away.count(i));
        return i;
    };
    for (int k = 0; k < 8; ++k) ids.push_back(mesh.add(present(), "away-" + std::to_string(k)));
    mesh.update(present(), ids[1], "updated while away");
    mesh.update(present(), own, "the leaf's record, changed by another");
    mesh.remove(present(), ids[2]);
    /* peer-000 is below every leaf's peer id. */
    mesh.update(0, ids[4], "online edit by peer-000");
    mesh.update(0, ids[5], "online edit by peer-000");
    mesh.update(0, ids[5], "second online edit by peer-000");
    std::size_t visible = ids.size() - 1;
    assert_true(mesh.converged(visible));

    /* Back, from the databases. */
    for (std::size_t k = 0; k < leaves.size(); ++k) {
        mesh.reopen(leaves[k]);
        bool ready = false;
        mesh.on(leaves[k], [&](Graph &g) { ready = g.ready(); });
        assert_true(ready);
    }
    /* What they had when they left is still there. */
    assert_true(mesh.digest(leaves[0]) == before);
    std::size_t count = 0;
    mesh.digest(leaves[1], &count);
    assert_int_equal(count, at_close);
    /* Edits made offline, of records that were also changed meanwhile: a
     * returning node's version that wins the conflict goes back to its
     * neighbor (MS-PPGRH 3.1.5.2.10) and from there everywhere; one that
     * loses is replaced. */
    mesh.update(leaves[0], ids[4], "offline edit by a leaf");
    mesh.update(leaves[1], ids[5], "offline edit by a leaf");
    /* Records written offline, which nobody else has: only the hash-based
     * sync that follows the time-based one brings them to the others
     * (MS-PPGRH 3.1.7.31). */
    ids.push_back(mesh.add(leaves[0], "written offline by a leaf"));
    ids.push_back(mesh.add(leaves[1], "written offline by the other leaf"));
    Guid offline_gone = mesh.add(leaves[1], "written and deleted offline");
    mesh.remove(leaves[1], offline_gone);
    visible += 2;
    /* leaves[0] goes back to its old neighbor, leaves[1] to another node
     * with room. */
    mesh.connect(leaves[0], old_parent_0);
    int elsewhere = -1;
    for (std::size_t i = 0; i < mesh.size(); ++i)
        if (mesh[i].open && static_cast<int>(i) != old_parent_1 && !away.count(i) &&
            mesh[i].neighbors.size() < kMaxNeighbors)
            elsewhere = i;
    assert_true(elsewhere >= 0);
    mesh.connect(leaves[1], elsewhere);
    assert_true(mesh.wait_degrees());
    assert_true(mesh.converged(visible));
    GraphError e2;
    Record r = mesh.record_on(leaves[0], own, &e2);
    assert_int_equal(e2, GraphError::ok);
    assert_true(std::string(r.data.begin(), r.data.end()) == "the leaf's record, changed by another");
    for (std::size_t i = 0; i < mesh.size(); ++i) {
        r = mesh.record_on(i, ids[4], &e2);
        assert_int_equal(e2, GraphError::ok);
        assert_int_equal(r.version, 2);
        assert_string_equal(r.modified_by_id.c_str(), mesh[leaves[0]].peer_id.c_str());
        r = mesh.record_on(i, ids[5], &e2);
        assert_int_equal(e2, GraphError::ok);
        assert_int_equal(r.version, 3);
        assert_true(std::string(r.data.begin(), r.data.end()) == "second online edit by peer-000");
    }

    /* Their own changes reach everyone again. */
    ids.push_back(mesh.add(leaves[0], "back-0"));
    ids.push_back(mesh.add(leaves[1], "back-1"));
    mesh.update(leaves[1], ids[3], "updated by a returned leaf");
    assert_true(mesh.converged(visible + 2));
}

} // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_star_of_stars),
        cmocka_unit_test(test_random_tree_while_joining),
        cmocka_unit_test(test_mesh_updates_and_deletes),
        cmocka_unit_test(test_concurrent_conflicts),
        cmocka_unit_test(test_reopen_catches_up),
    };
    return cmocka_run_group_tests_name("mesh", tests, nullptr, nullptr);
}
