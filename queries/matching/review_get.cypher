// One queued name-matching row.
MATCH (m:MatchReview {id: $id})
RETURN m AS review
