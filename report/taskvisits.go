package report

import (
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"

	"taskbot/models"
)

// VisitLine is a front-line visit as a task's page shows it.
type VisitLine struct {
	At       time.Time
	Person   string
	Kind     models.VisitKind
	Findings []models.VisitFinding
	// Source is where the location came from (models.LocationLive,
	// LocationPoint, or none); LiveMinutes how long a live one was shared.
	Source      string
	LiveMinutes int
	// Meters is how far the location was from the task's site, when both
	// are known; -1 otherwise. It informs; nothing is checked against it.
	Meters int
	Files  int
}

// TaskVisits lists the saved visits to a task, newest first.
func TaskVisits(tx *gorm.DB, d models.TaskDetail) ([]VisitLine, error) {
	visits, err := models.VisitsOfTask(tx, d.Task.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]uint, len(visits))
	for i, v := range visits {
		ids[i] = v.PersonID
	}
	people, err := models.PeopleByIDs(tx, ids)
	if err != nil {
		return nil, fmt.Errorf("visitors of task %d: %w", d.Task.ID, err)
	}
	out := make([]VisitLine, len(visits))
	for i, v := range visits {
		line := VisitLine{Kind: v.Kind, Source: v.LocationSource, LiveMinutes: v.LiveSeconds / 60, Meters: -1, Files: len(v.Files)}
		if v.SavedAt != nil {
			line.At = *v.SavedAt
		}
		if p := people[v.PersonID]; p != nil {
			line.Person = p.Key
		}
		for _, f := range v.Findings {
			// A visit to several tasks lists each finding under its own
			// task, and the general ones under all.
			if f.TaskID == nil || *f.TaskID == d.Task.ID {
				line.Findings = append(line.Findings, f)
			}
		}
		if v.Lat != nil && v.Lon != nil && d.Task.SiteLat != nil && d.Task.SiteLon != nil {
			line.Meters = int(math.Round(models.DistanceMeters(*v.Lat, *v.Lon, *d.Task.SiteLat, *d.Task.SiteLon)))
		}
		out[i] = line
	}
	return out, nil
}
