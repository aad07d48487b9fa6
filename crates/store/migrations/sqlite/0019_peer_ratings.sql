-- Peer and 360 ratings (同事评分, issue 16). A rater role of a form may be a peer group
-- (`peers = N` on its [[rater]]): each peer rates on a `rate` task of their own, which carries
-- the group's `min_answers` in `peer_min` (NULL on every other task, so the access policy
-- tells a peer from an ordinary rater without the template). A peer's answers (JSON: input id
-- → the text as typed) are kept on their task, never in the appraisal's inputs: the appraisal
-- holds only the group's mean, written once `peer_min` peers have answered (不适用 before).
ALTER TABLE tasks ADD COLUMN peer_min INTEGER;
ALTER TABLE tasks ADD COLUMN answers TEXT;
ALTER TABLE tasks ADD COLUMN answered_at TEXT;
