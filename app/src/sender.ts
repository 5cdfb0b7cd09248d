import { api, unwrap } from "./api";
import type { Sender } from "./queue";
import { shrink, uploadPhoto } from "./upload";

/** The outbox's sender over the API's typed client and the photo store's presigned forms. */
export const apiSender: Sender = {
  uploadForm: (contentType) => unwrap(api().POST("/uploads", { body: { content_type: contentType } })),
  // A photo over the form's limit is shrunk on the device rather than refused by the photo store.
  upload: async (form, photo, onProgress) =>
    uploadPhoto(form, photo.size > form.max_bytes ? await shrink(photo, form.max_bytes) : photo, onProgress),
  async fileReport(report, idempotencyKey) {
    const filed = await unwrap(
      api().POST("/reports", { body: report, params: { header: { "idempotency-key": idempotencyKey } } }),
    );
    return filed.report_id;
  },
  async openCleanup(contentType, idempotencyKey) {
    const opened = await unwrap(
      api().POST("/submissions", {
        body: { task: "cleanup", photos: { content_type: contentType } },
        params: { header: { "idempotency-key": idempotencyKey } },
      }),
    );
    return { submissionId: opened.submission.submission_id, uploads: opened.uploads };
  },
  cleanupForm: (submissionId, photo, contentType) =>
    unwrap(
      api().POST("/submissions/{submission_id}/uploads/{photo}", {
        params: { path: { submission_id: submissionId, photo } },
        body: { content_type: contentType },
      }),
    ),
};
