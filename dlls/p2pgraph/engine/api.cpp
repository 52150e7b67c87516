/*
 * The engine's interface: handles, the loop thread and the graphs behind them
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

#include "api.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <new>

#include "enumeration.h"
#include "events.h"
#include "graph.h"
#include "handle_table.h"
#include "loop.h"
#include "record_reader.h"
#include "result_blocks.h"
#include "search.h"
#include "transport.h"

namespace p2pg {
namespace api {

namespace {

/* The library's engine state.  Never destroyed: at process exit the loop
 * thread may still run (an application need not call PeerGraphShutdown),
 * and a sender may still wait in wait_writable() when the library stops. */
struct Engine {
    std::unique_ptr<Loop> loop;
    /* Made and destroyed on the loop thread, like everything it owns. */
    std::unique_ptr<Transport> transport;
    HandleTable handles;
    /* Closed by stop(), freed by destroy() once the loop is gone: they may
     * own events of the loop until then. */
    std::vector<std::shared_ptr<Object>> closed;
};

Engine &engine()
{
    static Engine *instance = new Engine;
    return *instance;
}

/* Results outlive the library (PeerGraphFreeData works after the last
 * Shutdown, or is never called): never destroyed either. */
ResultBlocks &result_blocks()
{
    static ResultBlocks *blocks = new ResultBlocks;
    return *blocks;
}

/* No exception leaves the interface. */
template <class Work>
GraphError guarded(Work work)
{
    try {
        return work();
    } catch (const std::bad_alloc &) {
        return GraphError::out_of_memory;
    } catch (...) {
        return GraphError::io_error;
    }
}

std::shared_ptr<Graph> lookup_graph(Handle handle)
{
    return engine().handles.lookup_as<Graph>(handle, ObjectKind::graph);
}

/* Runs op on the loop for an open graph. */
template <class Op>
GraphError on_graph(Handle handle, Op op)
{
    std::shared_ptr<Graph> graph = lookup_graph(handle);
    if (!graph) return GraphError::invalid_handle;
    return guarded([&] {
        GraphError result = GraphError::shutting_down;
        engine().loop->call([&] { result = graph->closed() ? GraphError::shutting_down : op(*graph); });
        return result;
    });
}

/* Runs query on the loop and makes an enumeration of what it found. */
template <class T, class Query>
GraphError enumerate(Handle graph, Handle *out, Query query)
{
    std::vector<T> values;
    GraphError err = on_graph(graph, [&](Graph &g) { return query(g, &values); });
    if (err != GraphError::ok) return err;
    return guarded([&] {
        *out = engine().handles.insert(Enumeration::of(std::move(values)));
        return GraphError::ok;
    });
}

/* PeerGraphClose, UnregisterEvent, EndEnumeration: the handle goes at once,
 * its object closes on the loop. */
GraphError close_handle(Handle handle, ObjectKind kind)
{
    std::shared_ptr<Object> object = engine().handles.remove(handle, kind);
    if (!object) return GraphError::invalid_handle;
    return guarded([&] {
        engine().loop->call([&] { object->close(); });
        return GraphError::ok;
    });
}

GraphEnvironment environment(const Settings &settings, const Security &security = Security())
{
    GraphEnvironment env;
    env.record_security = security.records;
    env.security = security.identity;
    env.cipher = security.cipher;
    env.loop = engine().loop.get();
    env.transport = engine().transport.get();
    env.data_directory = settings.data_directory;
    env.addresses = settings.addresses;
    env.storage_quota = settings.storage_quota;
    return env;
}

/* A registration remembers its graph, so that unregistering (or the library
 * stopping) takes it off the graph's list, and so that draining its queue
 * lets a graph that stopped reading for it go on. */
class Registration : public EventRegistration {
public:
    Registration(std::vector<EventFilter> filters, Signal signal, void *context, std::weak_ptr<Graph> graph)
        : EventRegistration(std::move(filters), [signal, context] { signal(context); }), graph_(std::move(graph))
    {
    }

    /* On the loop thread. */
    void close() override
    {
        if (auto graph = graph_.lock()) graph->remove_registration(this);
    }

    std::shared_ptr<Graph> graph() const { return graph_.lock(); }

private:
    std::weak_ptr<Graph> graph_;
};

} // namespace

bool create(std::string *error)
{
    Engine &e = engine();
    e.loop = Loop::create(error);
    return e.loop != nullptr;
}

void run()
{
    engine().loop->run();
}

GraphError start()
{
    Engine &e = engine();
    return guarded([&] {
        e.loop->call([&] { e.transport = std::make_unique<Transport>(*e.loop); });
        return e.transport ? GraphError::ok : GraphError::io_error;
    });
}

/* Stopping the loop closes every socket of the library: connections still
 * sending their DISCONNECT get Loop::kStopGrace, then go with whatever they
 * could not send, so that no peer is left holding a connection nobody
 * serves. */
std::size_t stop()
{
    Engine &e = engine();
    e.closed = e.handles.remove_all();
    e.loop->call([&e] {
        for (auto &object : e.closed) object->close();
        e.transport.reset();
    });
    e.loop->stop();
    return e.closed.size();
}

void destroy()
{
    Engine &e = engine();
    e.closed.clear();
    e.loop.reset();
}

GraphError graph_create(const Settings &settings, const GraphProperties &properties, const std::string &database,
                        const Security &security, Handle *out)
{
    return guarded([&] {
        GraphEnvironment env = environment(settings, security);
        std::shared_ptr<Graph> graph;
        GraphError err = GraphError::io_error;
        engine().loop->call([&] { err = Graph::create(env, properties, database, &graph); });
        if (err == GraphError::ok) *out = engine().handles.insert(graph);
        return err;
    });
}

GraphError graph_open(const Settings &settings, const std::string &graph_id, const std::string &peer_id,
                      const std::string &database, const std::vector<Guid> &sync_precedence, const Security &security,
                      Handle *out, bool *data_created)
{
    return guarded([&] {
        GraphEnvironment env = environment(settings, security);
        std::shared_ptr<Graph> graph;
        GraphError err = GraphError::io_error;
        engine().loop->call(
            [&] { err = Graph::open(env, graph_id, peer_id, database, sync_precedence, &graph, data_created); });
        if (err == GraphError::ok) *out = engine().handles.insert(graph);
        return err;
    });
}

GraphError graph_delete(const Settings &settings, const std::string &graph_id, const std::string &peer_id,
                        const std::string &database)
{
    return guarded([&] {
        GraphEnvironment env = environment(settings);
        GraphError err = GraphError::io_error;
        engine().loop->call([&] { err = Graph::remove(env, graph_id, peer_id, database); });
        return err;
    });
}

bool graph_valid(Handle graph)
{
    return lookup_graph(graph) != nullptr;
}

GraphError graph_close(Handle graph)
{
    return close_handle(graph, ObjectKind::graph);
}

GraphError graph_status(Handle graph, std::uint32_t *status)
{
    return on_graph(graph, [&](Graph &g) {
        *status = g.status();
        return GraphError::ok;
    });
}

GraphError graph_properties(Handle graph, GraphProperties *out)
{
    return on_graph(graph, [&](Graph &g) { return g.properties(out); });
}

GraphError graph_set_properties(Handle graph, const GraphProperties &changes)
{
    return on_graph(graph, [&](Graph &g) { return g.set_properties(changes); });
}

GraphError graph_convert_time(Handle graph, FileTime in, bool to_peer_time, FileTime *out)
{
    return on_graph(graph, [&](Graph &g) {
        *out = to_peer_time ? g.to_peer_time(in) : g.to_utc(in);
        return GraphError::ok;
    });
}

GraphError graph_export(Handle graph, const std::string &path)
{
    return on_graph(graph, [&](Graph &g) { return g.export_database(path); });
}

GraphError graph_import(Handle graph, const std::string &path)
{
    return on_graph(graph, [&](Graph &g) { return g.import_database(path); });
}

GraphError graph_listen(Handle graph, std::uint32_t scope, std::uint32_t scope_id, std::uint16_t port)
{
    return on_graph(graph, [&](Graph &g) { return g.listen(scope, scope_id, port); });
}

GraphError graph_connect(Handle graph, const std::string &peer_id, const sockaddr_in6 &address,
                         std::uint64_t *connection_id)
{
    return on_graph(graph, [&](Graph &g) { return g.connect(peer_id, address, connection_id); });
}

GraphError record_add(Handle graph, const Record &record, Guid *id)
{
    return on_graph(graph, [&](Graph &g) { return g.add_record(record, id); });
}

GraphError record_update(Handle graph, const Record &record)
{
    return on_graph(graph, [&](Graph &g) { return g.update_record(record); });
}

GraphError record_delete(Handle graph, const Guid &id, bool local)
{
    return on_graph(graph, [&](Graph &g) { return g.delete_record(id, local); });
}

GraphError record_get(Handle graph, const Guid &id, Record *out)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    /* On this thread when the reader can answer as the loop would. */
    if (RecordReader *reader = g->reader()) {
        GraphError err = guarded([&] { return reader->get(id, out); });
        if (err != GraphError::would_block) return err;
    }
    return on_graph(graph, [&](Graph &g) { return g.get_record(id, out); });
}

namespace {

/* The pages of a record enumeration, read ahead of the application by the
 * loop and, while the application would otherwise wait, by the
 * application's own thread through the graph's reader (RecordReader): the
 * two threads read at once.
 *
 * The rowids up to the ceiling are cut into spans, read one page each
 * (RecordBook::page bounded by the span's last rowid) and handed out in
 * order.  A few spans are planned ahead (plan()); the loop gets one task per
 * span planned and each task reads the first span nobody reads yet (or
 * nothing, when the application took them all).  A span whose page stopped
 * short (the page's record or byte limit) stays first, from where it
 * stopped.  Spans start at a page's worth of rowids and grow fourfold
 * where the selection finds few rows, so that a sparse table (or a gap in
 * the rowids of any size) takes few reads; a page that fills shrinks them
 * again.
 * When the reader cannot answer as the loop would (an open batch, Deferred
 * Expiration, a closing graph) the loop reads the rest. */
class PagePipe {
public:
    PagePipe(std::weak_ptr<Graph> graph, std::shared_ptr<const RecordSelection> selection,
             std::shared_ptr<const SearchQuery> query)
        : graph_(std::move(graph)), selection_(std::move(selection)), query_(std::move(query))
    {
    }
    ~PagePipe()
    {
        std::lock_guard<std::mutex> guard(state_->lock);
        state_->abandoned = true;
    }

    /* Under the enumeration's lock (Enumeration::Fetch): one at a time. */
    bool fetch(Enumeration::Items *page)
    {
        std::shared_ptr<Graph> g = graph_.lock();
        RecordReader *reader = g && use_reader_ ? g->reader() : nullptr;
        std::unique_lock<std::mutex> guard(state_->lock);
        std::deque<Span> &spans = state_->spans;
        post_unlocked(guard, plan());
        if (spans.empty()) return false;
        while (spans.front().phase != Phase::done) {
            Span *open = reader ? state_->first_queued() : nullptr;
            if (!open) {
                state_->changed.wait(guard);
                continue;
            }
            /* The application's thread would wait: it reads a span itself. */
            open->phase = Phase::reading;
            Span read = *open;
            read.page = state_->take_spare();
            guard.unlock();
            bool end = false;
            RecordSelection part = *selection_;
            part.ceiling = read.last;
            GraphError err = guarded([&] { return reader->page(part, &read.after, &read.page, &end); });
            guard.lock();
            if (err != GraphError::ok) {
                /* The loop reads it, and the rest. */
                state_->span(read.number).phase = Phase::queued;
                reader = nullptr;
                use_reader_ = false;
                post_unlocked(guard, 1);
                continue;
            }
            state_->finish(std::move(read), end, err);
        }
        Span &first = spans.front();
        Span taken = std::move(first);
        if (taken.err != GraphError::ok) return false;
        std::size_t rows = taken.page.rows.size();
        largest_page_ = std::max(largest_page_, taken.page.rows.bytes());
        if (!taken.complete) {
            /* The rest of the span comes next. */
            first.after = taken.resume;
            first.phase = Phase::queued;
            first.page = RecordBookPage();
            if (rows >= kRecordPageRecords) span_ = std::max(span_ / 4, kMinSpan);
            post_unlocked(guard, 1);
        } else {
            spans.pop_front();
            /* Without a bound (but overflow): rowids may lie 2^62 apart. */
            if (rows < kRecordPageRecords / 4 && span_ <= std::numeric_limits<std::int64_t>::max() / 4) span_ *= 4;
        }
        bool end = spans.empty() && planned_ >= selection_->ceiling;
        guard.unlock();
        /* Here, while the loop reads the next spans: the readers only
         * copied the rows. */
        std::vector<Record> records = taken.page.records();
        if (query_)
            records.erase(std::remove_if(records.begin(), records.end(),
                                         [this](const Record &r) { return !query_->matches(r); }),
                          records.end());
        *page = Enumeration::items_of(std::move(records));
        state_->give_spare(std::move(taken.page));
        return !end;
    }

private:
    /* Spans planned ahead: up to kWindow, fewer when pages are large
     * (about kAheadBytes of the largest page seen; at least two). */
    static constexpr std::size_t kWindow = 8;
    static constexpr std::size_t kAheadBytes = 16 << 20;
    static constexpr std::size_t kSpares = 2;
    static constexpr std::size_t kSpareBytes = 2 * kRecordPageBytes;
    static constexpr std::int64_t kMinSpan = static_cast<std::int64_t>(kRecordPageRecords);

    enum class Phase { queued, reading, done };
    struct Span {
        std::uint64_t number = 0;
        std::int64_t after = 0, last = 0; /* the rowids (after, last] */
        Phase phase = Phase::queued;
        /* Once done: */
        RecordBookPage page;
        std::int64_t resume = 0; /* where a page that stopped short stopped */
        bool complete = false;   /* nothing of the span is left */
        GraphError err = GraphError::shutting_down;
    };
    struct State {
        std::mutex lock;
        std::condition_variable changed;
        std::deque<Span> spans; /* planned and not yet handed out, in order */
        bool abandoned = false; /* the enumeration is gone */
        /* Pages decoded, kept for their buffers: fresh memory for every
         * page cost the readers a page fault every 4 KiB. */
        std::vector<RecordBookPage> spare;

        /* Under lock: */
        Span *first_queued()
        {
            for (Span &span : spans)
                if (span.phase == Phase::queued) return &span;
            return nullptr;
        }
        Span &span(std::uint64_t number) { return spans[number - spans.front().number]; }
        /* A read of the span that read.number names is over: read.after is
         * where it stopped. */
        void finish(Span &&read, bool end, GraphError err)
        {
            Span &done = span(read.number);
            done.page = std::move(read.page);
            done.resume = read.after;
            done.complete = end;
            done.err = err;
            done.phase = Phase::done;
            changed.notify_all();
        }
        RecordBookPage take_spare()
        {
            if (spare.empty()) return RecordBookPage();
            RecordBookPage page = std::move(spare.back());
            spare.pop_back();
            return page;
        }
        /* Takes the lock itself: */
        void give_spare(RecordBookPage &&page)
        {
            if (page.rows.capacity() > kSpareBytes) return;
            page.rows.clear();
            std::lock_guard<std::mutex> guard(lock);
            if (spare.size() < kSpares) spare.push_back(std::move(page));
        }
    };

    /* Spans up to the window; returns how many it added. */
    int plan()
    {
        int added = 0;
        /* Until a page was seen: two. */
        std::size_t window =
            largest_page_ ? std::clamp<std::size_t>(kAheadBytes / largest_page_, 2, kWindow) : std::size_t(2);
        while (state_->spans.size() < window && planned_ < selection_->ceiling) {
            Span span;
            span.number = next_number_++;
            span.after = planned_;
            span.last = selection_->ceiling - planned_ > span_ ? planned_ + span_ : selection_->ceiling;
            planned_ = span.last;
            state_->spans.push_back(std::move(span));
            ++added;
        }
        return added;
    }

    /* Gives the loop count tasks; the lock is let go meanwhile (a loop
     * that refuses a task destroys it at once, and that takes the lock). */
    void post_unlocked(std::unique_lock<std::mutex> &guard, int count)
    {
        if (!count) return;
        guard.unlock();
        for (int i = 0; i < count; ++i) post_task();
        guard.lock();
    }

    /* One read on the loop of the first span nobody reads.  A task the loop
     * drops (it stops) fails that span instead: the application never
     * waits forever. */
    void post_task()
    {
        struct Task {
            std::shared_ptr<State> state;
            std::weak_ptr<Graph> graph;
            std::shared_ptr<const RecordSelection> selection;
            bool ran = false;
            void run()
            {
                ran = true;
                Span read;
                {
                    std::lock_guard<std::mutex> guard(state->lock);
                    Span *open = state->first_queued();
                    if (!open || state->abandoned) return;
                    open->phase = Phase::reading;
                    read = *open;
                    read.page = state->take_spare();
                }
                bool end = false;
                GraphError err = GraphError::shutting_down;
                std::shared_ptr<Graph> g = graph.lock();
                if (g && !g->closed()) {
                    RecordSelection part = *selection;
                    part.ceiling = read.last;
                    err = guarded([&] { return g->record_page(part, &read.after, &read.page, &end); });
                }
                std::lock_guard<std::mutex> guard(state->lock);
                state->finish(std::move(read), end, err);
            }
            ~Task()
            {
                if (ran) return;
                std::lock_guard<std::mutex> guard(state->lock);
                if (Span *open = state->first_queued()) {
                    open->err = GraphError::shutting_down;
                    open->phase = Phase::done;
                    state->changed.notify_all();
                }
            }
        };
        auto task = std::make_shared<Task>();
        task->state = state_;
        task->graph = graph_;
        task->selection = selection_;
        engine().loop->post([task] { task->run(); });
    }

    std::weak_ptr<Graph> graph_;
    std::shared_ptr<const RecordSelection> selection_;
    std::shared_ptr<const SearchQuery> query_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
    /* The application's side, under the enumeration's lock: */
    bool use_reader_ = true;
    std::int64_t planned_ = 0; /* the spans planned reach this rowid */
    std::int64_t span_ = kMinSpan;
    std::size_t largest_page_ = 0; /* bytes of the largest page taken */
    std::uint64_t next_number_ = 0;
};

/* A record enumeration: its pages are read a little ahead of the
 * application, by the loop and by the application's thread (PagePipe),
 * and its count when the application first asks for it.  What it
 * shows of changes made while it is open (the documentation is silent):
 * - records added after it was made never come (RecordSelection::ceiling),
 *   nor does the count include them;
 * - records deleted (or expired) before their page is read do not come
 *   (pages are read up to eight ahead of the application, see PagePipe); the
 *   count is of the records there when GetItemCount is first called, so
 *   it matches what comes unless records go after that;
 * - a record updated before its page is read comes in its new version;
 * - once the graph is closed the enumeration ends (as it does when a
 *   page cannot be read): the records went with the graph.
 * Making it checks that the graph can be enumerated (not ready, shutting
 * down) and takes the ceiling, in one turn of the loop. */
GraphError enumerate_records(Handle graph, RecordSelection selection, std::shared_ptr<const SearchQuery> query,
                             Handle *out)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    GraphError err = on_graph(graph, [&](Graph &g) { return g.records_ceiling(&selection.ceiling); });
    if (err != GraphError::ok) return err;
    return guarded([&] {
        auto shared = std::make_shared<const RecordSelection>(std::move(selection));
        std::weak_ptr<Graph> weak = g;
        /* Not before the first GetNextItem: the first page is read after
         * the count (GetItemCount comes first, if at all), so that the two
         * agree unless records go while the application reads. */
        auto pipe = std::make_shared<PagePipe>(weak, shared, query);
        Enumeration::Fetch fetch = [pipe](Enumeration::Items *page) { return pipe->fetch(page); };
        Enumeration::Count count = [weak, shared, query]() -> std::size_t {
            std::shared_ptr<Graph> graph = weak.lock();
            std::size_t n = 0;
            if (!graph) return n;
            auto on_loop = [&](auto op) {
                return guarded([&] {
                    GraphError result = GraphError::shutting_down;
                    engine().loop->call([&] { result = graph->closed() ? GraphError::shutting_down : op(*graph); });
                    return result;
                });
            };
            if (!query) {
                on_loop([&](Graph &g) { return g.count_records(*shared, &n); });
                return n;
            }
            /* A search is counted by running it, a page at a time. */
            std::int64_t at = 0;
            bool end = false;
            RecordBookPage page;
            while (!end && on_loop([&](Graph &g) { return g.record_page(*shared, &at, &page, &end); }) ==
                               GraphError::ok) {
                std::vector<Record> records = page.records();
                n += std::count_if(records.begin(), records.end(), [&](const Record &r) { return query->matches(r); });
            }
            return n;
        };
        *out = engine().handles.insert(
            std::make_shared<Enumeration>(Enumeration::Items(), shared->ceiling != 0, std::move(fetch), std::move(count)));
        return GraphError::ok;
    });
}

} // namespace

GraphError records_enum(Handle graph, const Guid *type, const std::string *creator_id, Handle *enumeration)
{
    return guarded([&] {
        RecordSelection selection;
        if (type) selection.type = *type;
        if (creator_id) selection.creator_id = *creator_id;
        return enumerate_records(graph, std::move(selection), nullptr, enumeration);
    });
}

GraphError records_search(Handle graph, const std::string &query, Handle *enumeration)
{
    if (!graph_valid(graph)) return GraphError::invalid_handle;
    return guarded([&] {
        SearchQuery::Error error = SearchQuery::Error::none;
        std::unique_ptr<SearchQuery> parsed = SearchQuery::parse(query, &error);
        if (!parsed)
            return error == SearchQuery::Error::invalid_argument ? GraphError::invalid_argument
                                                                 : GraphError::invalid_search;
        return enumerate_records(graph, RecordSelection(), std::move(parsed), enumeration);
    });
}

GraphError record_draft(Handle graph, RecordOp op, const Record &in, Record *draft)
{
    return on_graph(graph, [&](Graph &g) { return g.draft_record(op, in, draft); });
}

GraphError record_commit(Handle graph, RecordOp op, const Record &draft, Guid *id)
{
    return on_graph(graph, [&](Graph &g) {
        GraphError err = g.commit_record(op, draft);
        if (err == GraphError::ok && id) *id = draft.id;
        return err;
    });
}

GraphError records_validate_deferred(Handle graph, const std::vector<Guid> &ids)
{
    return on_graph(graph, [&](Graph &g) {
        g.record_security().revalidate(ids);
        return GraphError::ok;
    });
}

GraphError security_next(Handle graph, int timeout_ms, ValidationRequest *request)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    return guarded([&] {
        if (g->record_security().next(request, timeout_ms)) return GraphError::ok;
        /* A closed graph's security answers at once. */
        return g->record_security().closed() ? GraphError::shutting_down : GraphError::would_block;
    });
}

GraphError security_answer(Handle graph, std::uint64_t request, Verdict verdict)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    return guarded([&] {
        bool apply = false;
        if (!g->record_security().answer(request, verdict, &apply)) return GraphError::invalid_argument;
        if (apply) engine().loop->post([g] {
            if (!g->closed()) g->record_security().apply_answers();
        });
        return GraphError::ok;
    });
}

GraphError node_info(Handle graph, std::uint64_t node_id, NodeInfo *out)
{
    return on_graph(graph, [&](Graph &g) { return g.node_info(node_id, out); });
}

GraphError nodes_enum(Handle graph, const std::string *peer_id, Handle *enumeration)
{
    return enumerate<NodeInfo>(graph, enumeration,
                               [&](Graph &g, std::vector<NodeInfo> *out) { return g.enum_nodes(peer_id, out); });
}

GraphError node_set_attributes(Handle graph, const std::string &attributes)
{
    return on_graph(graph, [&](Graph &g) { return g.set_node_attributes(attributes); });
}

GraphError node_set_presence(Handle graph, bool present)
{
    return on_graph(graph, [&](Graph &g) { return g.set_presence(present); });
}

GraphError connections_enum(Handle graph, std::uint32_t flags, Handle *enumeration)
{
    return enumerate<ConnectionInfo>(graph, enumeration, [&](Graph &g, std::vector<ConnectionInfo> *out) {
        *out = g.connections(flags);
        return GraphError::ok;
    });
}

GraphError direct_open(Handle graph, const std::string &peer_id, const sockaddr_in6 &address,
                       std::uint64_t *connection_id)
{
    return on_graph(graph, [&](Graph &g) { return g.open_direct_connection(peer_id, address, connection_id); });
}

GraphError direct_close(Handle graph, std::uint64_t connection_id)
{
    return on_graph(graph, [&](Graph &g) {
        return g.close_direct_connection(connection_id) ? GraphError::ok : GraphError::connection_not_found;
    });
}

/* Not on the loop: Graph::send_data frames on the caller's thread and
 * posts the bytes, which is what keeps PeerGraphSendData close to raw TCP. */
GraphError send_data(Handle graph, std::uint64_t connection_id, const Guid &type, const std::uint8_t *data,
                     std::size_t size)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    return guarded([&] { return g->send_data(connection_id, type, data, size); });
}

void wait_writable(Handle graph, std::uint64_t connection_id, int timeout_ms)
{
    if (std::shared_ptr<Graph> g = lookup_graph(graph)) g->wait_writable(connection_id, timeout_ms);
}

GraphError events_register(Handle graph, const std::vector<EventFilter> &filters, Signal signal, void *context,
                           Handle *out)
{
    std::shared_ptr<Graph> g = lookup_graph(graph);
    if (!g) return GraphError::invalid_handle;
    return guarded([&] {
        auto registration = std::make_shared<Registration>(filters, signal, context, g);
        bool added = false;
        engine().loop->call([&] {
            if (g->closed()) return;
            g->add_registration(registration);
            added = true;
        });
        if (!added) return GraphError::shutting_down;
        *out = engine().handles.insert(registration);
        return GraphError::ok;
    });
}

GraphError events_unregister(Handle registration)
{
    return close_handle(registration, ObjectKind::event_registration);
}

GraphError events_next(Handle handle, std::optional<GraphEvent> *event)
{
    auto registration = engine().handles.lookup_as<Registration>(handle, ObjectKind::event_registration);
    if (!registration) return GraphError::invalid_handle;
    return guarded([&] {
        *event = registration->pop();
        /* The graph stopped reading while the application was behind: it
         * goes on now. */
        if (registration->throttled() && registration->drained()) {
            registration->set_throttled(false);
            if (std::shared_ptr<Graph> graph = registration->graph())
                engine().loop->post([graph] { graph->resume_reading(); });
        }
        return GraphError::ok;
    });
}

namespace {

std::shared_ptr<Enumeration> lookup_enumeration(Handle handle)
{
    return engine().handles.lookup_as<Enumeration>(handle, ObjectKind::enumeration);
}

} // namespace

GraphError enum_count(Handle enumeration, std::size_t *count)
{
    std::shared_ptr<Enumeration> e = lookup_enumeration(enumeration);
    if (!e) return GraphError::invalid_handle;
    return guarded([&] {
        *count = e->item_count();
        return GraphError::ok;
    });
}

GraphError enum_peek(Handle enumeration, std::size_t max, std::vector<std::shared_ptr<const EnumItem>> *items,
                     std::size_t *cursor)
{
    std::shared_ptr<Enumeration> e = lookup_enumeration(enumeration);
    if (!e) return GraphError::invalid_handle;
    return guarded([&] {
        *items = e->peek(max, cursor);
        return GraphError::ok;
    });
}

bool enum_advance(Handle enumeration, std::size_t cursor, std::size_t count)
{
    std::shared_ptr<Enumeration> e = lookup_enumeration(enumeration);
    return e && e->advance(cursor, count);
}

GraphError enum_end(Handle enumeration)
{
    return close_handle(enumeration, ObjectKind::enumeration);
}

void *result_allocate(std::size_t size, std::shared_ptr<const void> keep)
{
    return result_blocks().allocate(size, std::move(keep));
}

bool result_free(void *block)
{
    return result_blocks().release(block);
}

} // namespace api
} // namespace p2pg
