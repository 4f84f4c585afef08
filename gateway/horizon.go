package gateway

import (
	"net/http"
	"time"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
)

// horizon says how far back the log reaches under its retention policy:
// before that, time travel, history and restore answer 410.
func (a *jetplaneAPI) horizon(w http.ResponseWriter, r *http.Request) {
	st, err := a.log.Info(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	h := jetplaneapi.Horizon{Kind: "Horizon", FirstRevision: st.FirstSeq, FirstTime: st.FirstTime, LastRevision: st.LastSeq,
		LastTime: st.LastTime, Events: st.Events, Bytes: st.Bytes, MaxAge: st.MaxAge.String(),
		MaxBytes: max(st.MaxBytes, 0), Complete: st.FirstSeq <= 1}
	if st.Events == 0 {
		h.FirstTime, h.LastTime = time.Time{}, time.Time{}
	}
	writeJSON(w, http.StatusOK, h)
}
