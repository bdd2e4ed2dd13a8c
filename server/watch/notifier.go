package watch

import "sync/atomic"

// Notifier forwards commit notifications to a hub that may be created
// after the store (the store needs its OnCommit hook when it opens). Until
// a hub is attached, notifications are dropped: a hub reads the log's last
// sequence when it starts.
type Notifier struct {
	hub atomic.Pointer[Hub]
}

// Attach makes h receive the notifications. It then wakes h once: a
// commit between NewHub (which read the log's end) and Attach had its
// notification dropped, and would otherwise wait for the next commit.
func (n *Notifier) Attach(h *Hub) {
	n.hub.Store(h)
	h.Notify(0)
}

// Notify forwards a commit of events up to seq; it never blocks.
func (n *Notifier) Notify(seq int64) {
	if h := n.hub.Load(); h != nil {
		h.Notify(seq)
	}
}
