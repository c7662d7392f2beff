-- A reel's page lists the office's status changes of the reel, from the
-- activity log, by its subject.
CREATE INDEX activity_by_subject ON activity (subject, at);
