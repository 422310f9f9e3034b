package presence_test

import (
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/presence"
)

func name(o *motcua.Officer) string {
	if o == nil {
		return ""
	}
	return o.FullName
}

func TestBoard(t *testing.T) {
	hanoi, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	clock := motcua.NewManualClock(time.Date(2026, 11, 27, 9, 0, 0, 0, hanoi))
	cal, err := motcua.NewCalendar(hanoi, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	site := motcua.NewSite(motcua.Branch{}, motcua.QueuePolicy{}, cal, clock, nil, nil)
	b := presence.New(site)
	hoa := motcua.User{ID: 2, Username: "hoa", FullName: "Nguyễn Thị Hoa"}
	binh := motcua.User{ID: 3, Username: "binh"} // no full name: the username stands in

	b.Acted(1, binh)
	b.Acted(2, motcua.User{}) // the hub's own move names nobody
	ended := 0
	standUp := b.SitDown(1, hoa, func() { ended++ })
	if got := name(b.Officer(1)); got != "Nguyễn Thị Hoa" {
		t.Errorf("counter 1 with Hoa's screen open: got %q, want her over Bình's last action", got)
	}
	if got := b.Officer(2); got != nil {
		t.Errorf("counter 2: got %+v, want nobody", got)
	}
	standUp()
	if got := name(b.Officer(1)); got != "binh" {
		t.Errorf("counter 1 after Hoa's screen closed: got %q, want binh, who acted there last", got)
	}

	b.SitDown(3, hoa, func() { ended++ })
	b.SitDown(4, hoa, func() { ended++ })
	b.EndUser(hoa.ID)
	if ended != 2 {
		t.Errorf("EndUser: ended %d screens, want Hoa's 2", ended)
	}
	b.EndUser(binh.ID)
	if got := b.Officer(1); got != nil {
		t.Errorf("after EndUser(binh): got %+v at counter 1, want nobody", got)
	}

	b.Acted(5, binh)
	clock.Set(time.Date(2026, 11, 28, 7, 0, 0, 0, hanoi))
	if got := b.Officer(5); got != nil {
		t.Errorf("the next day: got %+v, want yesterday's action forgotten", got)
	}
}
