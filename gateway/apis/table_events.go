package apis

import (
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var eventColumns = []metav1.TableColumnDefinition{
	column("Last Seen", "string", "Time the event was last seen", 0),
	column("Type", "string", "Type of this event (Normal, Warning)", 0),
	column("Reason", "string", "Why the action was taken", 0),
	column("Object", "string", "The object the event is about", 0),
	column("Subobject", "string", "The part of the object the event is about", 1),
	column("Source", "string", "The component reporting the event", 1),
	column("Message", "string", "A human-readable description", 0),
	column("First Seen", "string", "Time the event was first seen", 1),
	column("Count", "integer", "Number of times the event occurred", 1),
	column("Name", "string", "Name of the event", 1),
}

func eventCells(obj events.Object, now time.Time) ([]interface{}, error) {
	e, ok := obj.(*corev1.Event)
	if !ok {
		return nil, fmt.Errorf("event table: %T", obj)
	}
	object := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	return []interface{}{since(e.LastTimestamp, now), e.Type, e.Reason, object, e.InvolvedObject.FieldPath,
		source, strings.TrimSpace(e.Message), since(e.FirstTimestamp, now), int64(e.Count), e.Name}, nil
}
