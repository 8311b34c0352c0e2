package sink

import (
	"context"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka produces each alert's OCSF finding to a topic, keyed by the alert
// id (a compacted topic then keeps one record per alert). Write waits for
// every record to be acknowledged by all in-sync replicas; the producer
// is idempotent, so its own retries add no duplicates.
type Kafka struct {
	topic string
	cl    *kgo.Client
}

// NewKafka connects a producer to opts.KafkaBrokers.
func NewKafka(topic string, opts Options) (*Kafka, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(opts.KafkaBrokers...),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)
	if err != nil {
		return nil, err
	}
	return &Kafka{topic: topic, cl: cl}, nil
}

// Name implements Sink.
func (k *Kafka) Name() string { return "kafka:" + k.topic }

// Write implements Sink.
func (k *Kafka) Write(ctx context.Context, alerts []*Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, len(alerts))
	for i, a := range alerts {
		recs[i] = &kgo.Record{Key: []byte(a.ID), Value: a.Finding, Headers: []kgo.RecordHeader{
			{Key: "rule", Value: []byte(a.Rule)},
			{Key: "severity", Value: []byte(strings.ToLower(a.Severity))},
		}}
	}
	return k.cl.ProduceSync(ctx, recs...).FirstErr()
}

// Close implements Sink.
func (k *Kafka) Close() error {
	k.cl.Close()
	return nil
}
