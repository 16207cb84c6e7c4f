// The provider assessed: its enterprise record (C2 facts, region for access).
MATCH (e:Enterprise {uscc: $uscc})
RETURN e AS enterprise
