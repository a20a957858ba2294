/**
 * The weekly 1:1: session notes, self-reviews, deal notes and agreed next steps. Private to a rep,
 * their leader and admins.
 *
 * Notes are append-only: a save never changes a row, it adds a version. Each version records the
 * version its author was looking at (`based_on`); when two people save from the same starting point,
 * both versions are kept and the later one shows that it did not see the other (`based_on` below the
 * version before it), so the page can put both texts side by side until someone merges them. Nothing
 * anyone typed is ever lost, and the history shows who wrote what when.
 *
 * Next steps carry their current state (so a week's follow-up is one plain query) plus a revision
 * log holding every state they were ever in; an edit names the revision it started from and is
 * refused, not applied, if someone else changed the step meanwhile.
 */
export default /* sql */ `
CREATE SEQUENCE coaching_note_ids;
CREATE TABLE coaching_notes (
	id INTEGER PRIMARY KEY DEFAULT nextval('coaching_note_ids'),
	rep_id INTEGER NOT NULL,
	-- The snapshot week of the session; for a deal note, the week it was started (it runs on).
	week DATE NOT NULL,
	kind VARCHAR NOT NULL CHECK (kind IN ('leader_note', 'self_review', 'deal_note')),
	deal_id INTEGER,
	created_by VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	CHECK ((kind = 'deal_note') = (deal_id IS NOT NULL))
);

CREATE TABLE coaching_note_versions (
	note_id INTEGER NOT NULL,
	version INTEGER NOT NULL CHECK (version >= 1),
	body VARCHAR NOT NULL,
	based_on INTEGER NOT NULL CHECK (based_on >= 0 AND based_on < version),
	author_user_id VARCHAR NOT NULL,
	saved_at TIMESTAMP NOT NULL,
	PRIMARY KEY (note_id, version)
);

CREATE SEQUENCE next_step_ids;
CREATE TABLE next_steps (
	id INTEGER PRIMARY KEY DEFAULT nextval('next_step_ids'),
	rep_id INTEGER NOT NULL,
	-- The snapshot week of the session that agreed it; it is followed up in the weeks after.
	week DATE NOT NULL,
	text VARCHAR NOT NULL,
	deal_id INTEGER,
	due_date DATE NOT NULL,
	owner VARCHAR NOT NULL CHECK (owner IN ('leader', 'rep')),
	revision INTEGER NOT NULL,
	created_by VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	done_at TIMESTAMP,
	done_by VARCHAR
);

CREATE TABLE next_step_revisions (
	step_id INTEGER NOT NULL,
	revision INTEGER NOT NULL,
	change VARCHAR NOT NULL CHECK (change IN ('created', 'edited', 'done', 'reopened')),
	text VARCHAR NOT NULL,
	deal_id INTEGER,
	due_date DATE NOT NULL,
	owner VARCHAR NOT NULL,
	done BOOLEAN NOT NULL,
	changed_by VARCHAR NOT NULL,
	changed_at TIMESTAMP NOT NULL,
	PRIMARY KEY (step_id, revision)
);
`;
