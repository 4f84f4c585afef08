package gateway

import (
	"net/http"
	"time"
)

// HorizonPath reports how far back time travel, history and restore reach.
const HorizonPath = "/apis/jetplane.dev/v1/horizon"

// Horizon is the retention policy and what the log holds under it.
type Horizon struct {
	Kind          string    `json:"kind"` // "Horizon"
	FirstRevision uint64    `json:"firstRevision"`
	FirstTime     time.Time `json:"firstTime,omitzero"`
	LastRevision  uint64    `json:"lastRevision"`
	LastTime      time.Time `json:"lastTime,omitzero"`
	Events        uint64    `json:"events"`
	Bytes         uint64    `json:"bytes"`
	// Retention: zero keeps everything (the default).
	MaxAge   string `json:"maxAge"`
	MaxBytes int64  `json:"maxBytes"`
	// Complete: the log still starts at revision 1, so every past state
	// can be rebuilt.
	Complete bool `json:"complete"`
}

func (s *Server) horizon(w http.ResponseWriter, r *http.Request) {
	st, err := s.log.Info(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	h := Horizon{Kind: "Horizon", FirstRevision: st.FirstSeq, FirstTime: st.FirstTime, LastRevision: st.LastSeq,
		LastTime: st.LastTime, Events: st.Events, Bytes: st.Bytes, MaxAge: st.MaxAge.String(),
		MaxBytes: max(st.MaxBytes, 0), Complete: st.FirstSeq <= 1}
	if st.Events == 0 {
		h.FirstTime, h.LastTime = time.Time{}, time.Time{}
	}
	writeJSON(w, http.StatusOK, h)
}
