package queue_test

import "github.com/motcua/motcua/hub/hubtest"

// The shared test hub (hub/hubtest) under the names these tests use.
var (
	testHall       = hubtest.TestHall
	newEnv         = hubtest.New
	forEachDialect = hubtest.ForEachDialect
	hanoi          = hubtest.Hanoi
	weekdayMorning = hubtest.WeekdayMorning
)

type env = hubtest.Env
