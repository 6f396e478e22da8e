package messaging_test

import (
	"encoding/json"
	"testing"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/messaging/messagingtest"
)

func TestEventStyle_Data(t *testing.T) {
	resource := struct {
		OrderID string `json:"orderId"`
		Total   int    `json:"total"`
	}{"o-1", 1200}
	ids := map[string]string{"orderId": "o-1", "itemId": "i-1"}
	for _, c := range []struct {
		style messaging.EventStyle
		want  string
	}{
		{messaging.Thin, `{"itemId":"i-1","orderId":"o-1"}`},
		{messaging.Fat, `{"itemId":"i-1","orderId":"o-1","total":1200}`},
	} {
		data, err := c.style.Data(ids, resource)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(data)
		if string(b) != c.want {
			t.Errorf("%s: got %s, want %s", c.style, b, c.want)
		}
	}
	if _, err := messaging.Fat.Data(ids, []int{1}); err == nil {
		t.Error("a fat event of a JSON array: got no error")
	}
	if _, err := messaging.EventStyle("medium").Data(ids, resource); err == nil {
		t.Error("an unknown style: got no error")
	}
}

func TestEmitter_Emit(t *testing.T) {
	pub := &messagingtest.Publisher{}
	em := messaging.Emitter{Source: "/ordering", Style: messaging.Thin, Tx: pub}
	if err := em.Emit(t.Context(), messaging.OrderCreated, "o-1", map[string]string{"orderId": "o-1"}, nil); err != nil {
		t.Fatal(err)
	}
	evs := pub.Events()
	if len(evs) != 1 || evs[0].Source != "/ordering" || evs[0].Subject != "o-1" || string(evs[0].Data) != `{"orderId":"o-1"}` {
		t.Errorf("got %+v", evs)
	}
}
