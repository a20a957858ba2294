/**
 * Real CRM exports leave fields empty: an open deal nobody has priced or dated yet has no amount and
 * no expected close date. Those are unknown, not zero and not today, so the snapshot keeps them as
 * NULL; views count such deals and say how many amounts they could not add up, and the data-quality
 * view flags them. (deals.created_date was nullable from the start.)
 */
export default /* sql */ `
ALTER TABLE snapshots ALTER COLUMN amount DROP NOT NULL;
ALTER TABLE snapshots ALTER COLUMN close_date DROP NOT NULL;
`;
