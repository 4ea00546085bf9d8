// Command etcd-bench runs the raft-bench workloads against etcd/raft (go.etcd.io/raft/v3 v3.7.0)
// with the same host loop as bench/src/workload.rs, and prints the same RESULT lines.
//
//	etcd-bench -workload w1|w2|w3 [-voters N] [-batch B] [-n N] [-groups G] [-ticks T] [-max-msg-bytes N]
//
// Exit status 0 only when the run's own correctness check passed.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// entryBytes is the payload size of every proposal (issue 7: 128 bytes).
const entryBytes = 128

type limits struct {
	maxMsgBytes     uint64
	maxInflightMsgs int
	electionTick    int
	heartbeatTick   int
}

// fill is the pattern payload tails are cut from; the same bytes as FILL in workload.rs.
var fill = func() [184]byte {
	var f [184]byte
	for i := range f {
		f[i] = byte(i)*37 + 11
	}
	return f
}()

func tail(seq uint64) []byte {
	at := int(seq % 64)
	return fill[at : at+entryBytes-8]
}

// payload is proposal seq: seq in the first 8 bytes (little endian), then a seq-dependent tail.
func payload(seq uint64) []byte {
	b := make([]byte, entryBytes)
	binary.LittleEndian.PutUint64(b, seq)
	copy(b[8:], tail(seq))
	return b
}

// checker verifies that one node applies exactly proposals 0, 1, 2, ... in order.
type checker struct {
	next uint64
	err  error
}

func (c *checker) apply(data []byte) {
	if c.err != nil {
		return
	}
	seq := c.next
	ok := len(data) == entryBytes &&
		binary.LittleEndian.Uint64(data) == seq && bytes.Equal(data[8:], tail(seq))
	if ok {
		c.next++
	} else {
		c.err = fmt.Errorf("applied entry #%d is not proposal %d (len %d)", seq, seq, len(data))
	}
}

func (c *checker) verdict(want uint64) error {
	if c.err != nil {
		return c.err
	}
	if c.next != want {
		return fmt.Errorf("applied %d proposals, want %d", c.next, want)
	}
	return nil
}

type node struct {
	rn      *raft.RawNode
	storage *raft.MemoryStorage
}

var discard = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

func newNode(id uint64, voters []uint64, l limits) (*node, error) {
	st := raft.NewMemoryStorage()
	// The bootstrap etcd documents: a snapshot that carries only the configuration.
	snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: &pb.ConfState{Voters: voters}}}
	if err := st.ApplySnapshot(snap); err != nil {
		return nil, err
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID:              id,
		ElectionTick:    l.electionTick,
		HeartbeatTick:   l.heartbeatTick,
		Storage:         st,
		MaxSizePerMsg:   l.maxMsgBytes,
		MaxInflightMsgs: l.maxInflightMsgs,
		Logger:          discard,
	})
	if err != nil {
		return nil, err
	}
	return &node{rn: rn, storage: st}, nil
}

// handleReady handles one Ready completely: persist, queue messages, apply, advance.
func (n *node) handleReady(out []*pb.Message, c *checker) ([]*pb.Message, error) {
	rd := n.rn.Ready()
	if rd.Snapshot != nil && !raft.IsEmptySnap(rd.Snapshot) {
		if err := n.storage.ApplySnapshot(rd.Snapshot); err != nil {
			return out, err
		}
	}
	if len(rd.Entries) > 0 {
		if err := n.storage.Append(rd.Entries); err != nil {
			return out, err
		}
	}
	if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			return out, err
		}
	}
	out = append(out, rd.Messages...)
	for _, e := range rd.CommittedEntries {
		if e.GetType() == pb.EntryType_EntryNormal && len(e.GetData()) > 0 {
			c.apply(e.GetData())
		}
	}
	n.rn.Advance(rd)
	return out, nil
}

type counters struct{ readies, msgs, rounds uint64 }

func deliver(nodes []*node, m *pb.Message, c *counters) error {
	to := m.GetTo()
	if to == 0 || to > uint64(len(nodes)) {
		return fmt.Errorf("message to unknown node %d", to)
	}
	c.msgs++
	return nodes[to-1].rn.Step(m)
}

func settle(nodes []*node, checks []checker, c *counters) error {
	var out []*pb.Message
	var err error
	for i := 0; i < 10000; i++ {
		for k, n := range nodes {
			for n.rn.HasReady() {
				if out, err = n.handleReady(out, &checks[k]); err != nil {
					return err
				}
				c.readies++
			}
		}
		if len(out) == 0 {
			return nil
		}
		for _, m := range out {
			if err := deliver(nodes, m, c); err != nil {
				return err
			}
		}
		out = out[:0]
	}
	return errors.New("cluster did not settle")
}

func elect(nodes []*node, checks []checker) error {
	var c counters
	if err := nodes[0].rn.Campaign(); err != nil {
		return err
	}
	if err := settle(nodes, checks, &c); err != nil {
		return err
	}
	if nodes[0].rn.BasicStatus().RaftState != raft.StateLeader {
		return errors.New("node 1 did not become leader")
	}
	return nil
}

func heapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// w1 mirrors workload::w1 in bench/src/workload.rs round for round.
func w1(nodes []*node, n, batch uint64) (time.Duration, uint64, counters, error) {
	var c counters
	checks := make([]checker, len(nodes))
	if err := elect(nodes, checks); err != nil {
		return 0, 0, c, err
	}
	var out, inflight []*pb.Message
	var err error
	proposed := uint64(0)
	idle := 0
	runtime.GC()
	base := heapAlloc()
	peak := base
	start := time.Now()
	for {
		k := min(batch, n-proposed)
		for seq := proposed; seq < proposed+k; seq++ {
			if err := nodes[0].rn.Propose(payload(seq)); err != nil {
				return 0, 0, c, err
			}
		}
		proposed += k
		for i, nd := range nodes {
			for nd.rn.HasReady() {
				if out, err = nd.handleReady(out, &checks[i]); err != nil {
					return 0, 0, c, err
				}
				c.readies++
			}
		}
		c.rounds++
		// Go has no counting allocator: sample the heap every 64 rounds (approximate peak).
		if c.rounds%64 == 0 {
			peak = max(peak, heapAlloc())
		}
		if len(out) == 0 {
			done := proposed == n
			for i := range checks {
				if checks[i].err != nil {
					return 0, 0, c, checks[i].err
				}
				done = done && checks[i].next >= n
			}
			if done {
				break
			}
			idle++
			if idle > 1000 {
				return 0, 0, c, fmt.Errorf("stalled")
			}
			if proposed == n {
				nodes[0].rn.Tick()
			}
			continue
		}
		idle = 0
		out, inflight = inflight[:0], out
		for _, m := range inflight {
			if err := deliver(nodes, m, &c); err != nil {
				return 0, 0, c, err
			}
		}
	}
	elapsed := time.Since(start)
	peak = max(peak, heapAlloc())
	for i := range checks {
		if err := checks[i].verdict(n); err != nil {
			return 0, 0, c, fmt.Errorf("node %d: %w", i+1, err)
		}
	}
	return elapsed, peak - base, c, nil
}

func w2(nd *node, n uint64) (time.Duration, counters, error) {
	var c counters
	checks := make([]checker, 1)
	if err := elect([]*node{nd}, checks); err != nil {
		return 0, c, err
	}
	var out []*pb.Message
	var err error
	start := time.Now()
	for seq := uint64(0); seq < n; seq++ {
		if err := nd.rn.Propose(payload(seq)); err != nil {
			return 0, c, err
		}
		for nd.rn.HasReady() {
			if out, err = nd.handleReady(out, &checks[0]); err != nil {
				return 0, c, err
			}
			c.readies++
		}
		if len(out) != 0 {
			return 0, c, errors.New("single voter produced messages")
		}
	}
	elapsed := time.Since(start)
	c.rounds = n
	return elapsed, c, checks[0].verdict(n)
}

func w3(l limits, groups int, ticks uint64) (float64, float64, error) {
	hb := &pb.Message{
		Type: pb.MessageType_MsgHeartbeat.Enum(),
		From: proto.Uint64(1), To: proto.Uint64(2), Term: proto.Uint64(1),
	}
	runtime.GC()
	runtime.GC()
	before := heapAlloc()
	nodes := make([]*node, 0, groups)
	var out []*pb.Message
	var c checker
	for i := 0; i < groups; i++ {
		nd, err := newNode(2, []uint64{1, 2, 3}, l)
		if err != nil {
			return 0, 0, err
		}
		if err := nd.rn.Step(proto.Clone(hb).(*pb.Message)); err != nil {
			return 0, 0, err
		}
		for nd.rn.HasReady() {
			if out, err = nd.handleReady(out, &c); err != nil {
				return 0, 0, err
			}
		}
		out = out[:0]
		nodes = append(nodes, nd)
	}
	out = nil
	runtime.GC()
	runtime.GC()
	after := heapAlloc()
	start := time.Now()
	for t := uint64(0); t < ticks; t++ {
		for _, nd := range nodes {
			nd.rn.Tick()
		}
	}
	elapsed := time.Since(start)
	for i, nd := range nodes {
		st := nd.rn.BasicStatus()
		if st.RaftState != raft.StateFollower || st.Lead != 1 || nd.rn.HasReady() {
			return 0, 0, fmt.Errorf("group %d is no longer an idle follower of 1", i)
		}
	}
	runtime.KeepAlive(nodes)
	perGroup := float64(int64(after)-int64(before)) / float64(groups)
	return perGroup, float64(elapsed.Nanoseconds()) / (float64(groups) * float64(ticks)), nil
}

func main() {
	workload := flag.String("workload", "", "w1, w2 or w3")
	voters := flag.Uint64("voters", 3, "w1: voters")
	batch := flag.Uint64("batch", 64, "w1: proposals per round")
	nFlag := flag.Uint64("n", 0, "w1/w2: proposals (default 200000 for w1, 500000 for w2)")
	groups := flag.Int("groups", 10000, "w3: groups")
	ticks := flag.Uint64("ticks", 2000, "w3: ticks per group")
	maxMsg := flag.Uint64("max-msg-bytes", 1<<20, "per-message size limit")
	flag.Parse()
	l := limits{maxMsgBytes: *maxMsg, maxInflightMsgs: 256, electionTick: 10, heartbeatTick: 1}
	const impl = "etcd"
	res := func(case_, metric string, value float64, unit, extra string) {
		fmt.Printf("RESULT workload=%s case=%s metric=%s impl=%s value=%.3f unit=%s status=ok%s\n",
			*workload, case_, metric, impl, value, unit, extra)
	}
	fail := func(err error) {
		reason := strings.Join(strings.Fields(err.Error()), "_")
		fmt.Printf("RESULT workload=%s impl=%s status=FAILED reason=%s\n", *workload, impl, reason)
		os.Exit(1)
	}
	switch *workload {
	case "w1":
		n := *nFlag
		if n == 0 {
			n = 200000
		}
		if *batch == 0 {
			fail(errors.New("batch must be at least 1"))
		}
		nodes := make([]*node, 0, *voters)
		ids := make([]uint64, 0, *voters)
		for id := uint64(1); id <= *voters; id++ {
			ids = append(ids, id)
		}
		for _, id := range ids {
			nd, err := newNode(id, ids, l)
			if err != nil {
				fail(err)
			}
			nodes = append(nodes, nd)
		}
		d, peak, c, err := w1(nodes, n, *batch)
		if err != nil {
			fail(err)
		}
		case_ := fmt.Sprintf("v%d.b%d", *voters, *batch)
		secs := d.Seconds()
		res(case_, "throughput", float64(n)/secs, "entries/s",
			fmt.Sprintf(" n=%d secs=%.4f rounds=%d readies=%d msgs=%d", n, secs, c.rounds, c.readies, c.msgs))
		res(case_, "peak_heap", float64(peak), "bytes", fmt.Sprintf(" n=%d approx=sampled", n))
	case "w2":
		n := *nFlag
		if n == 0 {
			n = 500000
		}
		nd, err := newNode(1, []uint64{1}, l)
		if err != nil {
			fail(err)
		}
		d, c, err := w2(nd, n)
		if err != nil {
			fail(err)
		}
		secs := d.Seconds()
		res("v1", "throughput", float64(n)/secs, "ops/s",
			fmt.Sprintf(" n=%d secs=%.4f readies=%d", n, secs, c.readies))
	case "w3":
		l.electionTick = 1000000
		perGroup, ns, err := w3(l, *groups, *ticks)
		if err != nil {
			fail(err)
		}
		extra := fmt.Sprintf(" groups=%d ticks=%d", *groups, *ticks)
		res("g", "bytes_per_group", perGroup, "bytes", extra)
		res("g", "tick_ns_per_group", ns, "ns", extra)
	default:
		fmt.Fprintln(os.Stderr, "etcd-bench: -workload must be w1, w2 or w3")
		os.Exit(2)
	}
}
