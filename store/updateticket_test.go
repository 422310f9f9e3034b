package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/motcua/motcua"
)

// TestUpdateTicketWritesWhatChanged moves one ticket through changes of
// each mutable field, alone and together, and reads it back after each: an
// UPDATE that sets only the changed columns must still leave the row equal
// to the ticket it was given. A stale status is a conflict.
func TestUpdateTicketWritesWhatChanged(t *testing.T) {
	ctx := context.Background()
	s, services := openSample(t)
	counters, err := s.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	later := at.Add(5 * time.Minute)
	tx, err := s.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	officer := motcua.User{Username: "canbo", FullName: "Nguyễn Văn A", Role: motcua.RoleStaff, PasswordHash: "x"}
	if err := tx.Users.InsertUser(&officer, at); err != nil {
		t.Fatal(err)
	}
	counter, user := counters[0].ID, officer.ID
	tk := motcua.Ticket{Day: "2026-11-30", Seq: 1, Number: "1001", ServiceID: services[0].ID, Status: motcua.TicketWaiting,
		IssuedAt: at, QueuedAt: at, Token: "update-test"}
	if err := tx.Tickets.InsertNewTicket(&tk, func() string { return "" }); err != nil {
		t.Fatal(err)
	}
	tk, err = tx.Tickets.Ticket(tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change func(*motcua.Ticket)
	}{
		{"call", func(k *motcua.Ticket) {
			k.Status, k.CounterID, k.Calls, k.CalledAt, k.CalledBy, k.ServedBy = motcua.TicketCalled, &counter, 1, &later, &user, &user
		}},
		{"recall", func(k *motcua.Ticket) { k.Calls = 2 }},
		{"nothing", func(k *motcua.Ticket) {}},
		{"start", func(k *motcua.Ticket) { k.Status, k.StartedAt = motcua.TicketServing, &later }},
		{"transfer", func(k *motcua.Ticket) {
			k.Status, k.ServiceID, k.CounterID, k.Calls = motcua.TicketWaiting, services[1].ID, nil, 0
			k.CalledAt, k.StartedAt, k.CalledBy, k.ServedBy, k.QueuedAt = nil, nil, nil, nil, later
		}},
		{"manual call", func(k *motcua.Ticket) {
			k.Status, k.CounterID, k.Calls, k.CalledAt, k.OutOfOrder = motcua.TicketCalled, &counter, 1, &later, true
		}},
		{"finish", func(k *motcua.Ticket) { k.Status, k.FinishedAt = motcua.TicketDone, &later }},
	}
	for _, step := range steps {
		was := tk
		step.change(&tk)
		if err := tx.Tickets.UpdateTicket(was, tk); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got, err := tx.Tickets.Ticket(tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ownCopy(got), ownCopy(tk)) {
			t.Fatalf("after %s: got %+v, want %+v", step.name, got, tk)
		}
		tk = got
	}
	stale := tk
	stale.Status = motcua.TicketCalled
	moved := stale
	moved.Status = motcua.TicketDone
	if err := tx.Tickets.UpdateTicket(stale, moved); motcua.ErrorCode(err) != motcua.EConflict {
		t.Fatalf("update from a stale status: got %v, want a conflict", err)
	}
}
