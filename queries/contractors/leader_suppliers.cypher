// The direct suppliers of one chain leader (the chain peers of each of them).
MATCH (l:Enterprise {uscc: $uscc})<-[:SUPPLIES]-(x:Enterprise)
RETURN DISTINCT x.uscc AS uscc
