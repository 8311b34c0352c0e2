package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Webhook POSTs each alert's OCSF finding to a URL (Content-Type
// application/json, Idempotency-Key: the alert id). Failed posts (network
// errors, any status but 2xx) are retried with backoff, without end: a
// receiver that is down holds the pipeline back (and with it the input's
// commits) instead of losing alerts. The queue between Write and the
// posting workers is bounded.
type Webhook struct {
	url     string
	client  *http.Client
	opts    Options
	queue   chan *post
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	version string
}

type post struct {
	a    *Alert
	ctx  context.Context
	done chan error
}

// NewWebhook starts the workers of a webhook sink.
func NewWebhook(url string, opts Options) *Webhook {
	if opts.WebhookQueue <= 0 {
		opts.WebhookQueue = 1024
	}
	if opts.WebhookWorkers <= 0 {
		opts.WebhookWorkers = 4
	}
	if opts.WebhookTimeout <= 0 {
		opts.WebhookTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Webhook{url: url, opts: opts, queue: make(chan *post, opts.WebhookQueue), ctx: ctx, cancel: cancel,
		client: &http.Client{Timeout: opts.WebhookTimeout}, version: opts.Version}
	for i := 0; i < opts.WebhookWorkers; i++ {
		w.wg.Add(1)
		go w.worker()
	}
	return w
}

// Name implements Sink.
func (w *Webhook) Name() string { return "webhook:" + w.url }

// Write implements Sink: it queues the alerts (waiting while the queue is
// full) and returns when the receiver took every one of them.
func (w *Webhook) Write(ctx context.Context, alerts []*Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	posts := make([]*post, 0, len(alerts))
	var err error
	for _, a := range alerts {
		p := &post{a: a, ctx: ctx, done: make(chan error, 1)}
		select {
		case w.queue <- p:
			posts = append(posts, p)
		case <-ctx.Done():
			err = ctx.Err()
		case <-w.ctx.Done():
			err = errors.New("webhook sink closed")
		}
		if err != nil {
			break
		}
	}
	for _, p := range posts {
		if e := <-p.done; e != nil && err == nil {
			err = e
		}
	}
	return err
}

func (w *Webhook) worker() {
	defer w.wg.Done()
	for {
		select {
		case p := <-w.queue:
			p.done <- w.deliver(p)
		case <-w.ctx.Done():
			return
		}
	}
}

// deliver posts one alert until the receiver takes it or the writer gives up.
func (w *Webhook) deliver(p *post) error {
	log := w.opts.logger()
	for attempt := 0; ; attempt++ {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		err := w.post(p)
		if err == nil {
			if attempt > 0 {
				log.Info("webhook delivered after retries", "sink", w.Name(), "alert", p.a.ID, "attempts", attempt+1)
			}
			return nil
		}
		w.opts.onError(w.Name(), err)
		// Log the 1st, 2nd, 4th, 8th… failure of an alert, not every one.
		if attempt&(attempt+1) == 0 {
			log.Warn("webhook post failed; retrying", "sink", w.Name(), "alert", p.a.ID, "attempt", attempt+1, "err", err)
		}
		d := backoff(attempt, 5*time.Second)
		select {
		case <-time.After(d):
		case <-p.ctx.Done():
			return p.ctx.Err()
		case <-w.ctx.Done():
			return errors.New("webhook sink closed")
		}
	}
}

func (w *Webhook) post(p *post) error {
	req, err := http.NewRequestWithContext(p.ctx, http.MethodPost, w.url, bytes.NewReader(p.a.Finding))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", p.a.ID)
	req.Header.Set("User-Agent", "lanner/"+w.version)
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// Close implements Sink: it stops the workers (queued alerts whose Write
// is still waiting get an error).
func (w *Webhook) Close() error {
	w.cancel()
	w.wg.Wait()
	for {
		select {
		case p := <-w.queue:
			p.done <- errors.New("webhook sink closed")
		default:
			w.client.CloseIdleConnections()
			return nil
		}
	}
}
