// Package entitlement decides whether a partner may file a ticket
// (docs/domain.md §2) and under which plan, fee, queue and priority.
// It is pure: plain values in, plain values out, no clock.
//
// # Rules and reason codes
//
// Decide checks every rule below independently and reports every failure, in
// this order (the rule numbers of docs/domain.md §2):
//
//  1. SERVICE_NOT_IN_PROGRAM: the service is not one of the four program services.
//  2. Visibility: another partner's customer. This is not a reason code: the
//     caller answers NOT_FOUND before deciding (see Visible). Decide itself
//     returns the zero Decision (not entitled, no violation, nothing that
//     hints at the customer) for an invisible customer.
//  3. NO_ACTIVE_SUBSCRIPTION: the customer holds no subscription to the
//     service in state ACTIVE.
//  4. PARTNER_SUSPENDED: the partner is neither ACTIVE nor TRIAL.
//  5. PARTNER_CUSTOMER_NOT_COVERED: the customer is of kind PARTNER.
//  6. OWN_SUBSCRIPTION_REQUIRES_PROOF (PARTNER_SELF customer, no proof) or
//     PROOF_NOT_RECOGNIZED (PARTNER_SELF customer, a proof whose kind and
//     reference together match no contract of the partner; exact,
//     case-sensitive comparison).
//
// # Rule 7: subscription-management and billing topics
//
// A topic whose category IsBillingType (SUBSCRIPTION_MANAGEMENT, BILLING,
// BILLING_DISPUTE, FRAUD) is "entitled for every partner and every program
// service, at no charge". The French source ties this to the program itself:
// it is "also included free in this package", which applies to "all CSP
// partners, paid or in trial". This package therefore decides:
//
//   - Still checked: rule 1 (the service must be a program service), rule 2
//     (visibility) and rule 4 (a SUSPENDED partner is outside the program and
//     gets nothing, billing included).
//   - Bypassed: rule 3 (billing and subscription-management help is needed
//     precisely when a subscription is suspended or not yet bought: "every
//     program service"), rule 5 (the partner is the partner of record and
//     billing party of its partner customers' subscriptions) and rule 6 (own
//     subscriptions need no proof; a proof that is given but matches nothing
//     is ignored, not reported).
//   - Fee NONE. Plan CLOUD_SOLUTION_PROVIDER, except for a PARTNER_SELF
//     customer with a recognised proof, which keeps the plan its proof names.
//
// # Plan, fee, queue
//
// The plan, fee, category, queue and priority are filled in even when the
// request is not entitled, so a preview can show them:
//
//   - Plan: CLOUD_SOLUTION_PROVIDER for END_CUSTOMER and PARTNER customers;
//     for PARTNER_SELF the plan the recognised proof names (MPN, PREMIER,
//     AZURE_SUPPORT_PLAN), or the empty plan when there is no recognised
//     proof and the topic is not billing-type.
//   - Fee, first match wins: billing-type topic NONE; PARTNER_SELF customer
//     NONE (paid through the contract the proof names); Office 365, Dynamics
//     CRM Online and EMS NONE; Azure TECHNICAL/ADVISORY COVERED_BY_BENEFIT if
//     the partner holds SIGNATURE_CLOUD_SUPPORT or MPN, else BILLED; a
//     service outside the program: the empty Fee.
//   - Queue and priority: routing.Route(service, topic category, severity).
//
// # What the caller checks first
//
// The caller validates the request (filing), answers NOT_FOUND for an
// invisible customer (Visible) and rejects, as an invalid argument on
// support_topic_id, a topic of another service (TopicMatches). Decide uses the
// requested service and the topic's category and does not re-check the
// topic's service.
package entitlement
