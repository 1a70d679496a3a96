import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { STREAM_NAME, SUBJECT_PREFIX, type EventPublisher } from './relay.js';

/** Publishes to a JetStream stream (created when missing) with the event id as message id. */
export async function natsPublisher(url: string, streamName = STREAM_NAME, subjectPrefix = SUBJECT_PREFIX): Promise<EventPublisher> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(streamName);
  } catch {
    await jsm.streams.add({ name: streamName, subjects: [`${subjectPrefix}.>`] });
  }
  const js = jetstream(nc);
  return {
    // `person.updated` → `tongban.person.updated`
    publish: async (type, eventId, data) => {
      await js.publish(`${subjectPrefix}.${type}`, data, { msgID: eventId });
    },
    close: async () => {
      await nc.drain();
    },
  };
}
