/** Canonical model and mapping engine: the public API of `lib/canonical`. */
export {
  supplierPriceSchema,
  purchaseOrderSchema,
  poAckSchema,
  shipmentNoticeSchema,
  supplierInvoiceSchema,
  inventoryEventSchema,
  PO_ACK_LINE_STATUS,
  INVENTORY_EVENT_KINDS,
  type SupplierPrice,
  type PurchaseOrder,
  type PoAck,
  type ShipmentNotice,
  type SupplierInvoice,
  type InventoryEvent,
} from './schemas';
export {
  getSchema,
  listSchemas,
  registerSchema,
  type CanonicalSchemaEntry,
  type SchemaRegistration,
  type TargetField,
  type TargetKind,
} from './registry';
export { compileMapping, type CompiledMapping, type MapResult, type MapManyResult } from './mapping';
export { mappingSpecSchema, type MappingSpec, type FieldSpec } from './spec';
export { MappingSpecError, type Problem, type ProblemKind, type SpecIssue } from './errors';
export { BUILTIN_UNITS, type UnitDef, type UnitCategory } from './parse';
