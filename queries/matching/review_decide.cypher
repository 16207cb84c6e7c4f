// Mark a pending queued row accepted (with the USCC chosen) or rejected; no row when not pending.
MATCH (m:MatchReview {id: $id})
WHERE m.status = 'pending'
SET m.status = $status, m.decided_at = $now, m.decided_by = $username, m.uscc = $uscc
RETURN m.id AS id
