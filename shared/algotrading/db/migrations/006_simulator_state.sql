-- Migration: 006_simulator_state
-- The loopback Bybit simulator's state when it runs with --persist: one JSON snapshot per
-- simulator name (wallets, positions, orders, executions, transaction log) and its sim clock,
-- rewritten in one transaction after every change so a restart resumes where it stopped.

CREATE TABLE sim_state (
    name        TEXT PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    sim_time    TIMESTAMPTZ NOT NULL,
    state       JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
