/** The plant stand-in of `npm start`, tests and benchmarks: an embedded MQTT broker and a plant publishing inventory events. */
export { startEmbeddedBroker, topicMatches, type EmbeddedBroker } from './broker';
export { startPlantStandIn, plantMasterData, expectedOf, type PlantOptions, type PlantReport, type PlantEvent, type PlantMasterData } from './simulator';
export { seedPlantMasterData } from './seed';
