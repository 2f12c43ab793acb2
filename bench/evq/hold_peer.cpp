// hold_peer.cpp - the peer of the HOLD benchmark: C++ std::priority_queue holding the
// same 32-byte (time, seq, type, a, b) event as sc_event, ordered by (time, seq) so ties
// pop in insertion order, exactly like sc_evq.  Same loop, same increments, same
// checksums as hold_run_ours() in hold.c.
#include "hold.h"

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace {

struct Ev {
    int64_t time;
    uint64_t seq;
    uint32_t type;
    uint32_t a;
    uint64_t b;
};
static_assert(sizeof(Ev) == 32, "event must be 32 bytes like sc_event");

// std::priority_queue is a max-heap on its comparator: "later" means lower priority.
struct Later {
    bool operator()(const Ev &x, const Ev &y) const
    {
        return x.time > y.time || (x.time == y.time && x.seq > y.seq);
    }
};

} // namespace

extern "C" int hold_peer_run(size_t n, size_t m, const int64_t *incr, size_t mask,
                             hold_result *res)
{
    try {
        std::vector<Ev> storage;
        storage.reserve(n + 1);  // no reallocation during the run, like sc_evq's hint
        std::priority_queue<Ev, std::vector<Ev>, Later> pq(Later(), std::move(storage));
        uint64_t seq = 0;
        for (size_t i = 0; i < n; i++) {
            pq.push(Ev{incr[i & mask], seq, (uint32_t)(seq & 7), (uint32_t)seq, seq});
            seq++;
        }
        uint64_t st = 0, ss = 0, h = 0;
        double t0 = hold_now();
        for (size_t i = 0; i < m; i++) {
            Ev e = pq.top();
            pq.pop();
            st += (uint64_t)e.time;
            ss += e.seq;
            h = h * 31 + ((uint64_t)e.time ^ e.seq);
            pq.push(Ev{e.time + incr[(n + i) & mask], seq, (uint32_t)(seq & 7),
                       (uint32_t)seq, seq});
            seq++;
        }
        res->seconds = hold_now() - t0;
        res->sum_time = st;
        res->sum_seq = ss;
        res->order_hash = h;
        return 0;
    } catch (...) {
        return -1;
    }
}
