package notify_test

import "github.com/motcua/motcua/hub/hubtest"

// The shared test hub (hub/hubtest) under the names these tests use.
var (
	forEachDialect  = hubtest.ForEachDialect
	hanoi           = hubtest.Hanoi
	weekdayMorning  = hubtest.WeekdayMorning
	personalData    = hubtest.PersonalData
	marriageRequest = hubtest.MarriageRequest
	openWith        = hubtest.OpenWith
)
