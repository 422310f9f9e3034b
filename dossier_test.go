package motcua

import (
	"strings"
	"testing"
)

var allDossierStatuses = []DossierStatus{DossierReceived, DossierTransferred, DossierProcessing,
	DossierSupplementRequested, DossierResultReady, DossierReturned, DossierRejected, DossierStopped}

// TestDossierLifecycle spells out every (status, action) pair: the legal moves
// with their target, everything else a conflict.
func TestDossierLifecycle(t *testing.T) {
	legal := map[DossierStatus]map[DossierAction]DossierStatus{
		DossierReceived: {
			"transfer": "transferred", "start_processing": "processing", "result_ready": "result_ready",
			"request_supplement": "supplement_requested", "reject": "rejected", "stop": "stopped",
		},
		DossierTransferred: {
			"start_processing": "processing", "result_ready": "result_ready",
			"request_supplement": "supplement_requested", "reject": "rejected", "stop": "stopped",
		},
		DossierProcessing: {
			"result_ready": "result_ready", "request_supplement": "supplement_requested", "reject": "rejected", "stop": "stopped",
		},
		DossierSupplementRequested: {"supplement_received": "received", "reject": "rejected", "stop": "stopped"},
		DossierResultReady:         {"return": "returned"},
		DossierReturned:            {},
		DossierRejected:            {},
		DossierStopped:             {},
	}
	for _, from := range allDossierStatuses {
		for _, action := range DossierActions {
			want, ok := legal[from][action]
			got, err := NextDossierStatus(from, action)
			if ok {
				if err != nil || got != want {
					t.Errorf("%s + %s: got (%q, %v), want %q", from, action, got, err, want)
				}
				continue
			}
			if ErrorCode(err) != EConflict {
				t.Errorf("%s + %s: got (%q, %v), want a conflict", from, action, got, err)
			}
		}
	}
}

func TestDossierLifecycleUnknownAction(t *testing.T) {
	_, err := NextDossierStatus(DossierReceived, "teleport")
	if ErrorCode(err) != EConflict {
		t.Fatalf("unknown action: got %v, want a conflict", err)
	}
	if IsDossierAction("teleport") {
		t.Error("IsDossierAction(teleport): got true, want false")
	}
	for _, a := range DossierActions {
		if !IsDossierAction(a) {
			t.Errorf("IsDossierAction(%s): got false, want true", a)
		}
	}
}

// Every status is reachable from received, and only returned, rejected and stopped end the road.
func TestDossierLifecycleShape(t *testing.T) {
	seen := map[DossierStatus]bool{DossierReceived: true}
	queue := []DossierStatus{DossierReceived}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, a := range NextDossierActions(s) {
			to, _ := NextDossierStatus(s, a)
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range allDossierStatuses {
		if !seen[s] {
			t.Errorf("status %s: not reachable from received", s)
		}
		terminal := len(NextDossierActions(s)) == 0
		wantTerminal := s == DossierReturned || s == DossierRejected || s == DossierStopped
		if terminal != wantTerminal {
			t.Errorf("status %s: terminal %v, want %v", s, terminal, wantTerminal)
		}
	}
}

func TestConflictMessageNamesTheMove(t *testing.T) {
	_, err := NextDossierStatus(DossierReturned, DossierTransfer)
	msg := ErrorMessage(err)
	if !strings.Contains(msg, "chuyển cơ quan giải quyết") || !strings.Contains(msg, "returned") {
		t.Errorf("message: got %q, want the move and the status named", msg)
	}
}

func TestIsOptionalDocument(t *testing.T) {
	cases := []struct {
		doc  string
		want bool
	}{
		{"Tờ khai đăng ký khai sinh (theo mẫu)", false},
		{"Giấy tờ về quyền sử dụng đất (nếu có)", true},
		{"Bản sao cần chứng thực (nếu người yêu cầu tự mang theo)", true},
		{"Giấy xác nhận tình trạng hôn nhân (khi đăng ký tại nơi không thường trú, nếu chưa khai thác được)", true},
		{"Giấy tờ tùy thân của người đi đăng ký (xuất trình)", false},
		{"Giấy đề nghị đăng ký hộ kinh doanh", false},
	}
	for _, c := range cases {
		if got := IsOptionalDocument(c.doc); got != c.want {
			t.Errorf("IsOptionalDocument(%q): got %v, want %v", c.doc, got, c.want)
		}
	}
}

func TestApplicantMasked(t *testing.T) {
	a := Applicant{Name: "Nguyễn Văn An", IDNumber: "001089012345", Phone: "0912345678", Address: "Hà Nội", Email: "an@example.vn"}
	m := a.Masked()
	if m.IDNumber != "********2345" || m.Phone != "*******678" || m.Address != "" || m.Email != "" || m.Name != a.Name {
		t.Errorf("masked: got %+v", m)
	}
}
