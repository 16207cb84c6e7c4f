// Part of the data version of the local-supply caches: the number of supply records.
// (Kept apart from the audit count: combined in one statement LadybugDB scans instead.)
MATCH ()-[s:SUPPLIES]->()
RETURN count(s) AS n
