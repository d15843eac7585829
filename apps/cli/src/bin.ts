#!/usr/bin/env node
console.log('bucketfront: not built yet');
