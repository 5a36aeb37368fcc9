package selfcheck

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowCampaigns answers Campaign slowly and counts the reads; the other
// Store methods are not used here.
type slowCampaigns struct {
	Store
	reads atomic.Int32
}

func (s *slowCampaigns) Campaign(ctx context.Context, id int64) (Campaign, error) {
	s.reads.Add(1)
	time.Sleep(20 * time.Millisecond)
	return Campaign{ID: id, Status: Published, Name: "re-read"}, nil
}

// TestExpiredCampaignReadOnce has a hundred saves find the cached campaign
// expired at once: one of them reads it again, the others go on with the
// entry they have, and the next caller sees the fresh read.
func TestExpiredCampaignReadOnce(t *testing.T) {
	st := &slowCampaigns{}
	s := NewService(st, nil)
	defer s.Close()
	s.campaigns[7] = cachedCampaign{c: Campaign{ID: 7, Status: Published, Name: "cached"}, at: time.Now().Add(-2 * campaignTTL)}
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := s.openCampaign(context.Background(), 7); err != nil || c.ID != 7 {
				t.Errorf("openCampaign: %+v, %v", c, err)
			}
		}()
	}
	wg.Wait()
	if n := st.reads.Load(); n != 1 {
		t.Fatalf("%d reads of the expired campaign, want 1", n)
	}
	if c, _ := s.openCampaign(context.Background(), 7); c.Name != "re-read" {
		t.Fatalf("after the read: %+v", c)
	}
}

// flakyCampaigns fails its first read, then answers with status.
type flakyCampaigns struct {
	Store
	status Status
	reads  atomic.Int32
}

func (s *flakyCampaigns) Campaign(ctx context.Context, id int64) (Campaign, error) {
	if s.reads.Add(1) == 1 {
		return Campaign{}, errors.New("store unavailable")
	}
	return Campaign{ID: id, Status: s.status}, nil
}

// TestCampaignReadFailsThenRetries: a failed re-read is the caller's error
// and leaves the entry to be read again by the next caller, not one TTL
// later; a campaign back in draft is dropped from the cache.
func TestCampaignReadFailsThenRetries(t *testing.T) {
	st := &flakyCampaigns{status: Draft}
	s := NewService(st, nil)
	defer s.Close()
	ctx := context.Background()
	s.campaigns[7] = cachedCampaign{c: Campaign{ID: 7, Status: Published}, at: time.Now().Add(-2 * campaignTTL)}
	if _, err := s.openCampaign(ctx, 7); err == nil {
		t.Fatal("the failed read was not reported")
	}
	if e := s.campaigns[7]; e.reading {
		t.Fatal("the entry stays claimed after a failed read")
	}
	c, err := s.openCampaign(ctx, 7)
	if err != nil || c.Status != Draft || st.reads.Load() != 2 {
		t.Fatalf("second read: %+v, %v, %d reads", c, err, st.reads.Load())
	}
	if _, cached := s.campaigns[7]; cached {
		t.Fatal("a draft campaign stays cached")
	}
}
