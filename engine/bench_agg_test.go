package engine

import "testing"

func BenchmarkAggregate(b *testing.B) {
	in := genEvents(50000, 1)
	for _, q := range []string{`host=*`, `count()`, `groupBy([host, user], function=[count(), sum(bytes), collect(msg, limit=5)])`} {
		b.Run(q, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for i := 0; i < b.N; i++ {
				if _, _, err := tryRun(q, in, Options{}, 2, 2000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
