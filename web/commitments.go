package web

import (
	"net/http"

	"gorm.io/gorm"

	"taskbot/models"
)

// seesCommitments tells who the commitments page is for: the admins, who
// see every leader's, and the contracting leaders, who see their own.
func (s *Server) seesCommitments(db *gorm.DB, rd *reader) (bool, error) {
	if rd.viewer.Admin {
		return true, nil
	}
	if rd.person == nil {
		return false, nil
	}
	return models.IsContractingLeader(db, rd.person.ID)
}

// commitments shows where each leader's commitment (责任书) of the current
// year stands: 已签, 未签, 有异议 or 未下发. It only shows; signing happens
// in chat.
func (s *Server) commitments(w http.ResponseWriter, r *http.Request, rd *reader) {
	db := s.DB.WithContext(r.Context())
	ok, err := s.seesCommitments(db, rd)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.message(w, http.StatusForbidden, rd.lang, "forbidden")
		return
	}
	p, err := models.CommitmentProgressOf(db, models.CommitmentYear(rd.today).Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !rd.viewer.Admin {
		var own []models.LeaderCommitment
		for _, l := range p.Leaders {
			if l.Leader.ID == rd.person.ID {
				own = append(own, l)
			}
		}
		p.Leaders = own
	}
	s.render(w, http.StatusOK, rd.lang, "commitments.html", map[string]any{"Progress": p, "Admin": rd.viewer.Admin, "Loc": rd.loc})
}
