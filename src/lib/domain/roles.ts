/** What a signed-in person may do. Distinct from the sales roles a rep record holds. */
export const userRoles = ['admin', 'executive', 'leader', 'rep'] as const;
export type UserRole = (typeof userRoles)[number];

/** The relay: SDR/BDR open, the AE closes, the AM/KAM keeps and grows the customer. */
export const salesRoles = ['SDR', 'BDR', 'AE', 'AM', 'KAM'] as const;
export type SalesRole = (typeof salesRoles)[number];

export const dealTypes = ['new_business', 'upsell', 'cross_sell', 'renewal'] as const;
export type DealType = (typeof dealTypes)[number];
