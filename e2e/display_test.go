package e2e

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/browsertest"
	"github.com/motcua/motcua/server/servertest"
)

// serviceIDsByCode maps the sample hall's service codes to their ids.
func serviceIDsByCode(t *testing.T, env *servertest.Env) map[string]int64 {
	t.Helper()
	var list []struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	env.Do("GET", "/api/v1/services", "", nil, &list)
	out := make(map[string]int64)
	for _, s := range list {
		out[s.Code] = s.ID
	}
	return out
}

// A hall screen is set up by the names the hall knows: service codes and
// counter numbers. Limited to counters, it lists the waiting counts of those
// counters' services only and shows only their calls.
func TestDisplayLimitedByCodesAndCounterNumbers(t *testing.T) {
	env := servertest.New(t, servertest.WithNoShowMinCalls(1)) // each case calls next over the last
	ids := serviceIDsByCode(t, env)
	b := browsertest.New(t)

	waitingIDs := `Array.from(document.querySelectorAll('#waiting li.waiting-item')).map(l => l.dataset.serviceId).sort()`
	want := func(codes ...string) []string {
		var out []string
		for _, c := range codes {
			out = append(out, fmt.Sprint(ids[c]))
		}
		sort.Strings(out)
		return out
	}

	for _, tc := range []struct {
		query    string
		want     []string // service codes listed
		shown    int      // counter number whose call the screen shows
		other    int      // counter number whose call it does not show
		otherSvc string   // a service of that counter the screen does not follow
	}{
		{"counters=q3", []string{"DD", "XD"}, 3, 1, "TP"},
		{"counters=Qu%E1%BA%A7y%204", []string{"DKKD", "XD", "DD"}, 4, 1, "TP"}, // "Quầy 4"
		{"services=tp,CT", []string{"TP", "CT"}, 1, 3, "DD"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			tab := b.Tab(1920, 1080)
			browsertest.Do(t, tab, "open the display", chromedp.Navigate(env.URL+"/display?mute=1&"+tc.query))
			browsertest.WaitFor(t, tab, "the snapshot", `document.body.dataset.connection === 'open' && document.querySelectorAll('#waiting li').length > 0`)
			got := browsertest.Eval[[]string](t, tab, waitingIDs)
			if w := want(tc.want...); strings.Join(got, ",") != strings.Join(w, ",") {
				t.Errorf("waiting counts listed for services %v, want %v (%v)", got, w, tc.want)
			}
			if unknown := browsertest.Eval[[]string](t, tab, `window.motcuaDisplay.filters.unknown`); len(unknown) != 0 {
				t.Errorf("tokens not understood: %q", unknown)
			}
			// A ticket for the first listed service, called at the counter the screen follows.
			tk := env.Issue(ids[tc.want[0]], false)
			called, ok := env.CallNext(counterNumbered(t, env, tc.shown))
			if !ok || called.ID != tk.ID {
				t.Fatalf("counter %d called %+v, want %s", tc.shown, called, tk.Number)
			}
			browsertest.WaitFor(t, tab, "the call of counter "+fmt.Sprint(tc.shown),
				`document.querySelector('#current-call').dataset.number === '`+tk.Number+`'`)
			// Another counter's call (of another service) is not shown.
			elsewhere := env.Issue(ids[tc.otherSvc], false)
			if c, ok := env.CallNext(counterNumbered(t, env, tc.other)); !ok || c.ID != elsewhere.ID {
				t.Fatalf("counter %d called %+v, want %s", tc.other, c, elsewhere.Number)
			}
			browsertest.WaitFor(t, tab, "the display caught up", fmt.Sprintf(`window.motcuaDisplay.lastSeq === %d`, lastSeq(t, env)))
			if got := browsertest.Eval[string](t, tab, `document.querySelector('#current-call').dataset.number`); got != tk.Number {
				t.Errorf("current call after counter %d's call: got %s, want still %s", tc.other, got, tk.Number)
			}
		})
	}

	tab := b.Tab(1920, 1080)
	browsertest.Do(t, tab, "open a display with a typo", chromedp.Navigate(env.URL+"/display?mute=1&services=TP,XYZ"))
	browsertest.WaitFor(t, tab, "the snapshot", `document.querySelectorAll('#waiting li').length > 0`)
	if unknown := browsertest.Eval[[]string](t, tab, `window.motcuaDisplay.filters.unknown`); len(unknown) != 1 || unknown[0] != "XYZ" {
		t.Errorf("unknown tokens: got %q, want [XYZ]", unknown)
	}
}

// longNamesHall has the long service names of a real city hall.
func longNamesHall(n int) motcua.Hall {
	names := []string{
		"Nội vụ – Lao động, việc làm và người có công",
		"Nông nghiệp và Môi trường – Đất đai, nhà ở và tài sản khác gắn liền với đất",
		"Tài chính – Đăng ký doanh nghiệp, hộ kinh doanh, hợp tác xã",
		"Tư pháp – Hộ tịch, chứng thực bản sao, chữ ký và hợp đồng, giao dịch",
		"Xây dựng – Cấp giấy phép xây dựng và quy hoạch",
		"Văn hóa, Thể thao và Du lịch",
		"Giao thông vận tải – Đăng ký, cấp biển số phương tiện",
		"Nông nghiệp và Phát triển nông thôn",
		"Y tế – Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
		"Giáo dục và Đào tạo – Công nhận văn bằng, chứng chỉ",
		"Công thương – Giấy phép kinh doanh rượu, thuốc lá",
		"Nội vụ – Tôn giáo, thi đua khen thưởng",
	}
	h := motcua.Hall{
		Branch: motcua.Branch{Code: "CN07", Name: "Chi nhánh số 7", CenterName: "Trung tâm Phục vụ hành chính công", UnitCode: "000.00.07.H26",
			TimeZone: "Asia/Ho_Chi_Minh"},
		Policy: motcua.QueuePolicy{Priority: motcua.PolicyStrict, InterleaveN: 3, NoShowMinCalls: 2, ReactivateMinutes: 30},
	}
	var codes []string
	for i := 0; i < n; i++ {
		code := fmt.Sprintf("S%02d", i+1)
		codes = append(codes, code)
		h.Services = append(h.Services, motcua.ServiceSpec{Code: code, Name: names[i%len(names)], Field: "Lĩnh vực",
			Prefix: fmt.Sprint(i + 1), Digits: 3})
	}
	h.Counters = []motcua.CounterSpec{{Number: 1, Name: "Quầy 1", Services: codes}}
	return h
}

var prefixBadge = regexp.MustCompile(`^\d+x{3}$`)

// On a 1920×1080 TV every service name shows whole, however long and however
// many services the hall has; the badge shows the shape of the service's
// numbers (1xxx), not a bare digit that reads as a counter.
func TestDisplayLongServiceNamesWhole(t *testing.T) {
	for _, n := range []int{6, 12} {
		t.Run(fmt.Sprint(n, " services"), func(t *testing.T) {
			hall := longNamesHall(n)
			env := servertest.New(t, servertest.WithHall(hall))
			b := browsertest.New(t)
			tab := b.Tab(1920, 1080)
			browsertest.Do(t, tab, "open the display", chromedp.Navigate(env.URL+"/display?mute=1"))
			browsertest.WaitFor(t, tab, "the services", fmt.Sprintf(`document.querySelectorAll('#waiting li.waiting-item').length === %d`, n))
			names := browsertest.Eval[[]string](t, tab, `Array.from(document.querySelectorAll('.waiting-name')).map(e => e.textContent)`)
			for i, s := range hall.Services {
				if names[i] != s.Name {
					t.Errorf("service %d name: got %q, want %q", i+1, names[i], s.Name)
				}
			}
			if clipped := browsertest.ClippedText(t, tab, ".waiting"); len(clipped) > 0 {
				t.Errorf("cut at 1920×1080: %q", clipped)
			}
			outside := browsertest.Eval[[]string](t, tab, `(function () {
  var box = document.querySelector('section.waiting').getBoundingClientRect();
  return Array.from(document.querySelectorAll('.waiting-item')).filter(function (li) {
    var r = li.getBoundingClientRect();
    return r.bottom > box.bottom + 1 || r.top < box.top - 1;
  }).map(function (li) { return li.querySelector('.waiting-name').textContent; });
})()`)
			if len(outside) > 0 {
				t.Errorf("cards beyond the waiting panel (hidden): %q", outside)
			}
			if px := browsertest.Eval[float64](t, tab, `Math.min.apply(null, Array.from(document.querySelectorAll('.waiting-name')).map(e => parseFloat(getComputedStyle(e).fontSize)))`); px < 14 {
				t.Errorf("smallest service name font: %.1f px, want at least 14 px on a TV", px)
			}
			badges := browsertest.Eval[[]string](t, tab, `Array.from(document.querySelectorAll('.waiting-prefix')).map(e => e.textContent)`)
			for i, got := range badges {
				if !prefixBadge.MatchString(got) || !strings.HasPrefix(got, hall.Services[i].Prefix) {
					t.Errorf("badge of service %d: got %q, want %sxxx", i+1, got, hall.Services[i].Prefix)
				}
			}
			browsertest.Screenshot(t, tab, fmt.Sprintf("display-long-names-%d", n))
		})
	}
}
