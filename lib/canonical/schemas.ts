/**
 * Canonical objects: one zod schema per business document, named and
 * versioned (`supplier-price@1`). A version is a contract given to suppliers
 * as JSON Schema: never change one in place, add `@2` beside it.
 */
import { z } from 'zod';

// ---------------------------------------------------------------- building blocks

const code = (max: number, description: string) => z.string().min(1).max(max).describe(description);
const text = (max: number, description: string) => z.string().max(max).describe(description);
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'ISO 4217 currency code: 3 capital letters, e.g. EUR' })
  .describe('Currency, ISO 4217 code (3 capital letters, e.g. EUR)');
const isoDate = (description: string) => z.iso.date().describe(`${description} (YYYY-MM-DD)`);
const isoDateTime = (description: string) =>
  z.iso.datetime({ offset: true }).describe(`${description} (ISO 8601 date-time with Z or offset)`);
const uom = z.string().min(1).max(32).describe('Unit of measure, as named in Odoo (Units, Dozens, kg, L, ...)');
const positiveQty = (description: string) => z.number().positive().describe(description);
const money = (description: string) => z.number().nonnegative().describe(description);

const supplierCode = code(64, 'Supplier code (our partner reference for the supplier)');
const supplierProductCode = code(64, "Supplier's product code");
const internalRef = code(64, 'Our internal product reference (Odoo default_code)');
const poNumber = code(64, 'Purchase order number (Odoo PO name, e.g. P00042)');
const lineRef = code(64, 'Purchase order line reference');

type LineProducts = { lineRef?: string; internalRef?: string; supplierProductCode?: string };

/** A line must say which product or order line it is about. */
function requireLineIdentity(line: LineProducts, ctx: z.RefinementCtx, what: string): void {
  if (line.lineRef === undefined && line.internalRef === undefined && line.supplierProductCode === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['internalRef'],
      message: `${what}: lineRef, internalRef or supplierProductCode`,
    });
  }
}

// ---------------------------------------------------------------- supplier-price@1

export const supplierPriceSchema = z
  .object({
    supplierCode,
    supplierProductCode,
    internalRef,
    productName: text(256, "Supplier's product name").optional(),
    price: money('Price per unit of measure, in currency'),
    currency,
    minQty: positiveQty('Minimum order quantity, in uom'),
    uom,
    leadTimeDays: z.int().min(0).max(3650).describe('Delivery lead time in days'),
    validFrom: isoDate('First day the price applies').optional(),
    validTo: isoDate('Last day the price applies').optional(),
    discountPercent: z.number().min(0).max(100).describe('Discount in percent').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.validFrom !== undefined && v.validTo !== undefined && v.validTo < v.validFrom) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: `date on or after validFrom (${v.validFrom})` });
    }
  })
  .meta({ title: 'Supplier price', description: "One price-list line: a supplier's price for a product." });
export type SupplierPrice = z.infer<typeof supplierPriceSchema>;

// ---------------------------------------------------------------- purchase-order@1

export const purchaseOrderSchema = z
  .object({
    number: poNumber,
    supplierCode,
    orderDate: isoDate('Order date'),
    currency,
    lines: z
      .array(
        z
          .object({
            lineRef: lineRef.optional(),
            internalRef,
            supplierProductCode: supplierProductCode.optional(),
            description: text(512, 'Line description').optional(),
            quantity: positiveQty('Ordered quantity, in uom'),
            uom,
            price: money('Price per unit of measure'),
            requestedDate: isoDate('Requested delivery date').optional(),
          })
          .describe('Order line'),
      )
      .min(1)
      .max(10_000),
  })
  .meta({ title: 'Purchase order', description: 'A purchase order we send to a supplier.' });
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;

// ---------------------------------------------------------------- po-ack@1

export const PO_ACK_LINE_STATUS = ['accepted', 'changed', 'rejected', 'backordered'] as const;

export const poAckSchema = z
  .object({
    poNumber,
    supplierCode,
    acknowledgedAt: isoDateTime('When the supplier acknowledged the order'),
    supplierReference: code(64, "Supplier's own order number").optional(),
    lines: z
      .array(
        z
          .object({
            lineRef: lineRef.optional(),
            internalRef: internalRef.optional(),
            supplierProductCode: supplierProductCode.optional(),
            status: z.enum(PO_ACK_LINE_STATUS).describe('Line status'),
            confirmedQty: z.number().nonnegative().describe('Quantity the supplier confirms (0 when rejected)'),
            uom: uom.optional(),
            price: money('Confirmed price per unit of measure').optional(),
            promisedDate: isoDate('Promised delivery date').optional(),
          })
          .superRefine((line, ctx) => requireLineIdentity(line, ctx, 'a line reference or product'))
          .describe('Acknowledged line'),
      )
      .min(1)
      .max(10_000),
  })
  .meta({ title: 'Purchase order acknowledgement', description: "A supplier's answer to a purchase order, per line." });
export type PoAck = z.infer<typeof poAckSchema>;

// ---------------------------------------------------------------- shipment-notice@1

export const shipmentNoticeSchema = z
  .object({
    asnNumber: code(64, 'Advance shipping notice number'),
    poNumber,
    supplierCode,
    shipDate: isoDate('Ship date'),
    expectedArrival: isoDate('Expected arrival date').optional(),
    carrier: text(64, 'Carrier name').optional(),
    trackingNumber: text(128, 'Carrier tracking number').optional(),
    lines: z
      .array(
        z
          .object({
            lineRef: lineRef.optional(),
            internalRef: internalRef.optional(),
            supplierProductCode: supplierProductCode.optional(),
            quantity: positiveQty('Shipped quantity, in uom'),
            uom,
            lotNumber: text(64, 'Lot or serial number').optional(),
          })
          .superRefine((line, ctx) => requireLineIdentity(line, ctx, 'a product or PO line reference'))
          .describe('Shipped line'),
      )
      .min(1)
      .max(10_000),
  })
  .superRefine((v, ctx) => {
    if (v.expectedArrival !== undefined && v.expectedArrival < v.shipDate) {
      ctx.addIssue({ code: 'custom', path: ['expectedArrival'], message: `date on or after shipDate (${v.shipDate})` });
    }
  })
  .meta({ title: 'Shipment notice (ASN)', description: 'What a supplier has shipped against a purchase order.' });
export type ShipmentNotice = z.infer<typeof shipmentNoticeSchema>;

// ---------------------------------------------------------------- supplier-invoice@1

export const supplierInvoiceSchema = z
  .object({
    number: code(64, "Supplier's invoice number"),
    supplierCode,
    poNumber,
    invoiceDate: isoDate('Invoice date'),
    dueDate: isoDate('Payment due date').optional(),
    currency,
    lines: z
      .array(
        z
          .object({
            lineRef: lineRef.optional(),
            internalRef: internalRef.optional(),
            supplierProductCode: supplierProductCode.optional(),
            description: text(512, 'Line description').optional(),
            quantity: positiveQty('Invoiced quantity, in uom'),
            uom: uom.optional(),
            unitPrice: money('Price per unit of measure'),
            taxPercent: z.number().min(0).max(100).describe('Tax rate in percent').optional(),
            lineTotal: money('Line amount without tax'),
          })
          .superRefine((line, ctx) => requireLineIdentity(line, ctx, 'a product or PO line reference'))
          .describe('Invoice line'),
      )
      .min(1)
      .max(10_000),
    totals: z
      .object({
        untaxed: money('Total without tax'),
        tax: money('Total tax'),
        total: money('Total including tax'),
      })
      .describe('Invoice totals'),
  })
  .superRefine((v, ctx) => {
    const { untaxed, tax, total } = v.totals;
    if (Math.abs(untaxed + tax - total) > 0.005) {
      ctx.addIssue({ code: 'custom', path: ['totals', 'total'], message: `untaxed + tax (${+(untaxed + tax).toFixed(2)})` });
    }
  })
  .meta({ title: 'Supplier invoice', description: "A supplier's invoice for a purchase order." });
export type SupplierInvoice = z.infer<typeof supplierInvoiceSchema>;

// ---------------------------------------------------------------- inventory-event@1

export const INVENTORY_EVENT_KINDS = ['count', 'adjust', 'move'] as const;

export const inventoryEventSchema = z
  .object({
    eventId: code(128, 'Unique event id from the plant system (idempotency key)'),
    site: code(64, 'Site / warehouse code'),
    location: code(128, 'Stock location (source location for a move)'),
    toLocation: code(128, 'Destination location (moves only)').optional(),
    internalRef,
    kind: z.enum(INVENTORY_EVENT_KINDS).describe('count: counted on hand; adjust: +/- delta; move: between locations'),
    quantity: z.number().describe('Counted quantity (count), signed delta (adjust) or moved quantity (move), in uom'),
    uom,
    lotNumber: text(64, 'Lot or serial number').optional(),
    occurredAt: isoDateTime('When it happened on the floor'),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'count' && v.quantity < 0) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'number ≥ 0 for a count' });
    }
    if (v.kind === 'adjust' && v.quantity === 0) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'a non-zero delta for an adjust' });
    }
    if (v.kind === 'move') {
      if (v.quantity <= 0) ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'number > 0 for a move' });
      if (v.toLocation === undefined) {
        ctx.addIssue({ code: 'custom', path: ['toLocation'], message: 'a destination location for a move' });
      }
    }
  })
  .meta({ title: 'Inventory event', description: 'A stock count, adjustment or move reported by a plant system.' });
export type InventoryEvent = z.infer<typeof inventoryEventSchema>;

export const BUILTIN_SCHEMAS = [
  {
    name: 'supplier-price',
    version: 1,
    schema: supplierPriceSchema,
    description: "One line of a supplier's price list.",
  },
  {
    name: 'purchase-order',
    version: 1,
    schema: purchaseOrderSchema,
    description: 'A purchase order sent to a supplier, with its lines.',
  },
  {
    name: 'po-ack',
    version: 1,
    schema: poAckSchema,
    description: "A supplier's acknowledgement of a purchase order, per line.",
  },
  {
    name: 'shipment-notice',
    version: 1,
    schema: shipmentNoticeSchema,
    description: 'Advance shipping notice (ASN): what a supplier shipped, with lots.',
  },
  {
    name: 'supplier-invoice',
    version: 1,
    schema: supplierInvoiceSchema,
    description: "A supplier's invoice, with lines and totals.",
  },
  {
    name: 'inventory-event',
    version: 1,
    schema: inventoryEventSchema,
    description: 'A count, adjustment or move of stock reported by a plant.',
  },
] as const;
