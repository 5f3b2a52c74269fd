// Package scheduler decides what is due, from the data and a clock:
// reminder slots in each person's time zone and work calendar, follow-ups,
// escalations and the leaders' summaries. It queues them in the outbox;
// package outbox delivers them.
package scheduler
