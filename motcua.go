// Package motcua holds the domain words of a one-stop ("một cửa") branch hall:
// services, counters, tickets, events, staff and the application error type.
// It depends on the standard library only; every other package speaks in these words.
package motcua
