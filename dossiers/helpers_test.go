package dossiers_test

import "github.com/motcua/motcua/hub/hubtest"

// The shared test hub (hub/hubtest) under the names these tests use.
var (
	newEnv              = hubtest.New
	forEachDialect      = hubtest.ForEachDialect
	hanoi               = hubtest.Hanoi
	weekdayMorning      = hubtest.WeekdayMorning
	dossierHall         = hubtest.DossierHall
	applicant           = hubtest.Applicant
	personalData        = hubtest.PersonalData
	marriageRequest     = hubtest.MarriageRequest
	openWith            = hubtest.OpenWith
	publicDossierEvents = hubtest.PublicDossierEvents
)
