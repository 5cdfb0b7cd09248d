import L from "leaflet";

// leaflet.markercluster is a classic plugin: it extends the global L, which an ES module import does not set.
(window as unknown as { L: typeof L }).L = L;

export default L;
