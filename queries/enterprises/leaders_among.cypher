// Which of $usccs hold a 链主工厂 recognition.
MATCH (l:Enterprise)
WHERE l.uscc IN $usccs
MATCH (l)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂'
RETURN DISTINCT l.uscc AS uscc
