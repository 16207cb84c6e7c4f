// Append change-log entries (graphsvc/core/store/base.py Tx.write_log), in the writing transaction.
UNWIND $entries AS r
CREATE (:Change {seq: r.seq, at: r.at, entity: r.entity, op: r.op, rows: r.rows})
