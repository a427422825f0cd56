-- When the engine actually sent the INVITE (its `dialing` progress), as opposed to `dialing_at`,
-- the claim. Crash recovery puts an attempt claimed but never sent back in the queue.
ALTER TABLE calls ADD COLUMN invite_sent_at BIGINT;
