package queue

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua"
)

type metrics struct {
	issued     *prometheus.CounterVec
	calls      prometheus.Counter
	outOfOrder prometheus.Counter
	waiting    *prometheus.GaugeVec
	wait       prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "motcua_tickets_issued_total", Help: "Tickets issued, by service code."}, []string{"service"}),
		calls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "motcua_calls_total", Help: "Tickets called to a counter (recalls excluded)."}),
		outOfOrder: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "motcua_calls_out_of_order_total", Help: "Tickets called by hand out of queue order."}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "motcua_waiting_tickets", Help: "Tickets waiting now, by service code."}, []string{"service"}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "motcua_wait_seconds", Help: "Time from taking a number to being called.",
			Buckets: []float64{60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200}}),
	}
	if reg != nil {
		reg.MustRegister(m.issued, m.calls, m.outOfOrder, m.waiting, m.wait)
	}
	return m
}

// setServices makes every service appear in the gauges from the start.
func (m *metrics) setServices(services []motcua.Service) {
	for _, s := range services {
		m.waiting.WithLabelValues(s.Code)
		m.issued.WithLabelValues(s.Code)
	}
}
