// Which of $usccs hold a 链主工厂 recognition.
UNWIND $usccs AS u
MATCH (l:Enterprise {uscc: u})-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂'
RETURN DISTINCT l.uscc AS uscc
